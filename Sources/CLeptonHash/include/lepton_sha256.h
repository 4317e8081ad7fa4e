#ifndef LEPTON_SHA256_H
#define LEPTON_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// A SHA-256 computation in progress.
typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t buffer[64];
    uint32_t used;
} lepton_sha256_ctx;

/// Starts a computation.
void lepton_sha256_init(lepton_sha256_ctx *ctx);

/// Adds bytes.
void lepton_sha256_update(lepton_sha256_ctx *ctx, const void *data, size_t length);

/// Finishes: writes the 32-byte digest to `digest`.
void lepton_sha256_final(lepton_sha256_ctx *ctx, uint8_t digest[32]);

/// Which block function runs: "sha-ni" (the CPU's SHA extensions) or "generic".
const char *lepton_sha256_implementation(void);

/// For tests and benchmarks: 1 runs the generic block function from now on, 0 the best one.
/// Both compute the same digests, so switching while others hash is harmless.
void lepton_sha256_prefer_generic(int generic);

#endif
