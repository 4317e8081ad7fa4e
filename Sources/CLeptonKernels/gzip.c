// Reading IDX and other data files that may be gzip-compressed, through zlib's gz* API, which
// reads uncompressed files transparently.
#include "CLeptonKernels.h"

#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

int lepton_read_maybe_gzip(const char *path, unsigned char **bytes, size_t *length) {
    gzFile file = gzopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    gzbuffer(file, 1 << 17);
    size_t capacity = 1 << 20;
    size_t used = 0;
    unsigned char *buffer = malloc(capacity);
    if (buffer == NULL) {
        gzclose(file);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (used == capacity) {
            capacity *= 2;
            unsigned char *grown = realloc(buffer, capacity);
            if (grown == NULL) {
                free(buffer);
                gzclose(file);
                errno = ENOMEM;
                return -1;
            }
            buffer = grown;
        }
        unsigned chunk = capacity - used > (1u << 30) ? (1u << 30) : (unsigned)(capacity - used);
        int got = gzread(file, buffer + used, chunk);
        if (got < 0) {
            free(buffer);
            gzclose(file);
            return -2;
        }
        if (got == 0) {
            break;
        }
        used += (size_t)got;
    }
    int status = gzclose(file);
    if (status != Z_OK && status != Z_BUF_ERROR) {
        free(buffer);
        return -2;
    }
    *bytes = buffer;
    *length = used;
    return 0;
}
