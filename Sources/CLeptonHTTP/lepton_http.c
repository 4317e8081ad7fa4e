#include "lepton_http.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// libcurl's ABI, declared here so that building Lepton needs no curl headers. The values are
// part of libcurl's stable ABI (curl/curl.h: CURLOPTTYPE_* bases plus fixed numbers).
typedef void CURL;
struct curl_slist;
enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_USERPWD = 10005, OPT_READDATA = 10009,
    OPT_ERRORBUFFER = 10010, OPT_WRITEFUNCTION = 20011, OPT_READFUNCTION = 20012,
    OPT_LOW_SPEED_LIMIT = 19, OPT_LOW_SPEED_TIME = 20, OPT_USERAGENT = 10018,
    OPT_HTTPHEADER = 10023, OPT_NOBODY = 44, OPT_UPLOAD = 46, OPT_NETRC = 51,
    OPT_HTTPGET = 80, OPT_BUFFERSIZE = 98, OPT_NOSIGNAL = 99, OPT_HTTPAUTH = 107,
    OPT_NETRC_FILE = 10118, OPT_INFILESIZE_LARGE = 30115, OPT_CONNECTTIMEOUT_MS = 156,
    OPT_TCP_KEEPALIVE = 213, OPT_UPLOAD_BUFFERSIZE = 280, OPT_CUSTOMREQUEST = 10036,
    INFO_RESPONSE_CODE = 0x200000 + 2, INFO_CONTENT_LENGTH_DOWNLOAD_T = 0x600000 + 15,
    GLOBAL_DEFAULT = 3, NETRC_OPTIONAL = 1, AUTH_BASIC = 1, ERROR_SIZE = 256,
    READFUNC_ABORT = 0x10000000,
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    const char *(*easy_strerror)(int);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    int loaded;
    char error[256];
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    static const char *names[] = {
        "libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4", "libcurl-nss.so.4",
        "/usr/lib/libcurl.4.dylib", "libcurl.4.dylib", "libcurl.dylib", NULL,
    };
    void *library = NULL;
    for (const char **name = names; *name && !library; name++) library = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(curl.error, sizeof curl.error, "libcurl is not installed (%s)", dlerror());
        return;
    }
#define LOAD(field, symbol)                                                                       \
    *(void **)(&curl.field) = dlsym(library, symbol);                                             \
    if (!curl.field) {                                                                            \
        snprintf(curl.error, sizeof curl.error, "libcurl lacks %s", symbol);                      \
        return;                                                                                   \
    }
    LOAD(global_init, "curl_global_init")
    LOAD(easy_init, "curl_easy_init")
    LOAD(easy_cleanup, "curl_easy_cleanup")
    LOAD(easy_reset, "curl_easy_reset")
    LOAD(easy_setopt, "curl_easy_setopt")
    LOAD(easy_perform, "curl_easy_perform")
    LOAD(easy_getinfo, "curl_easy_getinfo")
    LOAD(easy_strerror, "curl_easy_strerror")
    LOAD(slist_append, "curl_slist_append")
    LOAD(slist_free_all, "curl_slist_free_all")
#undef LOAD
    if (curl.global_init(GLOBAL_DEFAULT) != 0) {
        snprintf(curl.error, sizeof curl.error, "curl_global_init failed");
        return;
    }
    curl.loaded = 1;
}

int lepton_http_load(char *error, size_t error_size) {
    pthread_once(&load_once, load_curl);
    if (curl.loaded) return 0;
    if (error && error_size) snprintf(error, error_size, "%s", curl.error);
    return -1;
}

void *lepton_http_handle_create(void) {
    if (lepton_http_load(NULL, 0) != 0) return NULL;
    return curl.easy_init();
}

void lepton_http_handle_destroy(void *handle) {
    if (handle && curl.loaded) curl.easy_cleanup(handle);
}

typedef struct {
    CURL *handle;
    const lepton_http_request *request;
    int64_t offset;
} transfer;

static size_t on_body(char *data, size_t size, size_t count, void *context) {
    transfer *state = context;
    size_t bytes = size * count;
    long status = 0;
    curl.easy_getinfo(state->handle, INFO_RESPONSE_CODE, &status);
    // Error bodies are not content: drop them, the status says what happened.
    if (status < 200 || status >= 300 || !state->request->sink) return bytes;
    return state->request->sink(data, bytes, state->request->sink_context) ? bytes : 0;
}

static size_t on_read(char *buffer, size_t size, size_t count, void *context) {
    transfer *state = context;
    const lepton_http_request *request = state->request;
    size_t wanted = size * count;
    if (request->upload_bytes) {
        int64_t left = request->upload_size - state->offset;
        size_t n = left < (int64_t)wanted ? (size_t)left : wanted;
        memcpy(buffer, (const char *)request->upload_bytes + state->offset, n);
        state->offset += (int64_t)n;
        return n;
    }
    for (;;) {
        ssize_t n = read(request->upload_fd, buffer, wanted);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return READFUNC_ABORT;
        state->offset += n;
        return (size_t)n;
    }
}

void lepton_http_perform(void *handle, const lepton_http_request *request, lepton_http_result *result) {
    memset(result, 0, sizeof *result);
    result->content_length = -1;
    if (!handle || !curl.loaded) {
        result->transport_code = -1;
        snprintf(result->message, sizeof result->message, "%s", curl.loaded ? "no handle" : curl.error);
        return;
    }
    char error[ERROR_SIZE] = {0};
    transfer state = {handle, request, 0};
    struct curl_slist *headers = NULL;
    curl.easy_reset(handle);  // keeps the connection cache
    curl.easy_setopt(handle, OPT_URL, request->url);
    curl.easy_setopt(handle, OPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, OPT_ERRORBUFFER, error);
    curl.easy_setopt(handle, OPT_USERAGENT, "lepton");
    curl.easy_setopt(handle, OPT_TCP_KEEPALIVE, 1L);
    curl.easy_setopt(handle, OPT_BUFFERSIZE, 512L * 1024L);
    curl.easy_setopt(handle, OPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    curl.easy_setopt(handle, OPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(handle, OPT_LOW_SPEED_TIME, request->stall_timeout_s);
    curl.easy_setopt(handle, OPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(handle, OPT_WRITEDATA, &state);
    // No "Expect: 100-continue" round trip before uploads.
    headers = curl.slist_append(headers, "Expect:");
    if (request->authorization) headers = curl.slist_append(headers, request->authorization);
    if (request->extra_header) headers = curl.slist_append(headers, request->extra_header);
    curl.easy_setopt(handle, OPT_HTTPHEADER, headers);
    if (request->user_password) {
        curl.easy_setopt(handle, OPT_HTTPAUTH, (long)AUTH_BASIC);
        curl.easy_setopt(handle, OPT_USERPWD, request->user_password);
    } else if (request->use_netrc) {
        curl.easy_setopt(handle, OPT_NETRC, (long)NETRC_OPTIONAL);
        if (request->netrc_file) curl.easy_setopt(handle, OPT_NETRC_FILE, request->netrc_file);
    }
    if (strcmp(request->method, "HEAD") == 0) {
        curl.easy_setopt(handle, OPT_NOBODY, 1L);
    } else if (strcmp(request->method, "PUT") == 0) {
        curl.easy_setopt(handle, OPT_UPLOAD, 1L);
        curl.easy_setopt(handle, OPT_UPLOAD_BUFFERSIZE, 512L * 1024L);
        curl.easy_setopt(handle, OPT_READFUNCTION, on_read);
        curl.easy_setopt(handle, OPT_READDATA, &state);
        curl.easy_setopt(handle, OPT_INFILESIZE_LARGE, (long long)request->upload_size);
    } else if (strcmp(request->method, "GET") == 0) {
        curl.easy_setopt(handle, OPT_HTTPGET, 1L);
    } else {
        curl.easy_setopt(handle, OPT_CUSTOMREQUEST, request->method);
    }
    int code = curl.easy_perform(handle);
    curl.easy_getinfo(handle, INFO_RESPONSE_CODE, &result->status);
    long long length = -1;
    if (curl.easy_getinfo(handle, INFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == 0) result->content_length = length;
    result->transport_code = code;
    if (code != 0) {
        snprintf(result->message, sizeof result->message, "%s", error[0] ? error : curl.easy_strerror(code));
    }
    curl.slist_free_all(headers);
}
