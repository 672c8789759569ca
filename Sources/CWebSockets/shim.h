// libwebsockets for Swift. The lwsl_* logging macros and a few context helpers are macros;
// typed wrappers live here.
#ifndef KVS_CWEBSOCKETS_SHIM_H
#define KVS_CWEBSOCKETS_SHIM_H
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

typedef void (*kvs_lws_log_emit_t)(int level, const char *line);
static inline void kvs_lws_set_log(int levels, kvs_lws_log_emit_t emit) { lws_set_log_level(levels, emit); }

/// Bytes lws needs in front of every buffer handed to lws_write (frame header room).
static inline size_t kvs_lws_pre(void) { return LWS_PRE; }

/// Writes one whole frame: lws_write needs LWS_PRE writable bytes in front of the payload, so
/// the payload is copied once into such a buffer. Returns 1 when all of it was accepted.
static inline int kvs_lws_write_frame(struct lws *wsi, const unsigned char *payload, size_t length,
                                      enum lws_write_protocol kind) {
    unsigned char *buffer = (unsigned char *)malloc(LWS_PRE + length + 1);
    if (buffer == NULL) return 0;
    if (length > 0) memcpy(buffer + LWS_PRE, payload, length);
    int written = lws_write(wsi, buffer + LWS_PRE, length, kind);
    free(buffer);
    return written >= 0 && (size_t)written >= length;
}

/// Context options the WebSocket client uses (64-bit macros built from shifts).
static inline uint64_t kvs_lws_option_ssl_global_init(void) { return LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; }
static inline uint64_t kvs_lws_option_disable_os_ca_certs(void) { return LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS; }
static inline int kvs_lws_port_no_listen(void) { return CONTEXT_PORT_NO_LISTEN; }
/// The local signaling server listens on IPv4 only when given an IPv4 address.
static inline uint64_t kvs_lws_option_disable_ipv6(void) { return LWS_SERVER_OPTION_DISABLE_IPV6; }

/// Adds a hashed CA directory (the `openssl rehash` layout) to the client SSL_CTX that lws
/// passes to LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS; lws itself only takes a file.
static inline int kvs_lws_ssl_ctx_add_ca_directory(void *ssl_ctx, const char *directory) {
    return SSL_CTX_load_verify_locations((SSL_CTX *)ssl_ctx, NULL, directory);
}

/// The verification error OpenSSL recorded in the X509_STORE_CTX that lws passes to
/// LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION (as `user`), or NULL when none;
/// `depth` receives the position in the chain (0 = the server's own certificate).
static inline const char *kvs_lws_x509_verify_error(void *x509_store_ctx, int *depth) {
    X509_STORE_CTX *store = (X509_STORE_CTX *)x509_store_ctx;
    int error = X509_STORE_CTX_get_error(store);
    if (depth) *depth = X509_STORE_CTX_get_error_depth(store);
    return error == X509_V_OK ? NULL : X509_verify_cert_error_string(error);
}


/// lws 4.1 formats the client request line into a fixed 2048-byte window
/// (lws_generate_client_handshake: lws_snprintf(p, 2048, "%s %s HTTP/1.1\r\n", ...)), so a
/// longer request target (a presigned URL with a session token) is cut and NUL-terminated
/// mid-line. Called from LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER with lws' cursor (`in`,
/// a char **), the bytes left (`len`, which lws computes as buffer end - cursor - 12) and the
/// context's pt_serv_buf_size, it finds the start of the request, checks that it holds the
/// first 2047 bytes of `line` followed by the NUL, moves the headers written after it and
/// writes the whole line. Returns 0 when the line was already complete or is now repaired,
/// -1 when the buffer is not laid out as expected (nothing is changed then).
static inline int kvs_lws41_repair_request_line(char **cursor, size_t remaining, size_t buffer_size,
                                                const char *line, size_t line_length) {
    const size_t window = 2048;
    if (line_length < window) return 0;
    char *end = *cursor;
    if (remaining + 12 > buffer_size) return -1;
    char *start = end + remaining + 12 - buffer_size;
    if ((size_t)(end - start) < window || start[window - 1] != '\0') return -1;
    if (memcmp(start, line, window - 1) != 0) return -1;
    size_t grow = line_length - window;
    if (grow >= remaining) return -1;
    memmove(start + line_length, start + window, (size_t)(end - (start + window)));
    memcpy(start, line, line_length);
    *cursor = end + grow;
    return 0;
}
#endif
