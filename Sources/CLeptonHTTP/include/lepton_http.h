// A minimal HTTP client over libcurl, loaded with dlopen the first time a remote cache is used:
// Lepton neither links libcurl nor needs its headers to build, so users who never configure a
// remote pay nothing for it (no compile time, no start-up time).
#ifndef LEPTON_HTTP_H
#define LEPTON_HTTP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Receives response body bytes of a 2xx response; returns 0 to abort the transfer.
typedef int (*lepton_http_sink)(const void *data, size_t size, void *context);

typedef struct {
    /// "GET", "HEAD", "PUT", or another method sent as it is ("DELETE", "PROPFIND").
    const char *method;
    const char *url;
    /// A full header line such as "Authorization: Bearer …", or NULL.
    const char *authorization;
    /// "user:password" for basic authentication, or NULL.
    const char *user_password;
    /// Consult this netrc file (NULL: ~/.netrc) when no other credentials are given.
    const char *netrc_file;
    int use_netrc;
    /// PUT body: from a file descriptor (read from its current offset) …
    int upload_fd;
    /// … or from memory when upload_bytes is not NULL.
    const void *upload_bytes;
    int64_t upload_size;
    lepton_http_sink sink;
    void *sink_context;
    long connect_timeout_ms;
    /// Abort when fewer than 1 byte per second moved for this many seconds.
    long stall_timeout_s;
    /// One more header line ("Depth: 1"), or NULL.
    const char *extra_header;
} lepton_http_request;

typedef struct {
    /// The HTTP status, 0 when no response arrived.
    long status;
    /// libcurl's CURLcode, 0 on success.
    int transport_code;
    /// The Content-Length of the response when known, else -1.
    int64_t content_length;
    char message[256];
} lepton_http_result;

/// Loads libcurl once; returns 0 on success, otherwise writes why into `error`.
int lepton_http_load(char *error, size_t error_size);

/// A connection-reusing handle for one thread at a time.
void *lepton_http_handle_create(void);
void lepton_http_handle_destroy(void *handle);

/// Performs one request on the handle; never throws, fills `result`.
void lepton_http_perform(void *handle, const lepton_http_request *request, lepton_http_result *result);

#ifdef __cplusplus
}
#endif

#endif
