// OpenSSL (libssl/libcrypto) for Swift: DTLS over memory BIOs, HMAC/digests, certificates.
// OpenSSL exposes many operations as function-like macros; these inline wrappers give them types.
#ifndef KVS_COPENSSL_SHIM_H
#define KVS_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

static inline long kvs_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long kvs_SSL_set_mtu(SSL *ssl, long mtu) { return SSL_set_mtu(ssl, mtu); }
static inline long kvs_DTLSv1_get_timeout(SSL *ssl, struct timeval *tv) { return DTLSv1_get_timeout(ssl, tv); }
static inline long kvs_DTLSv1_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long kvs_BIO_set_mem_eof_return(BIO *bio, long v) { return BIO_set_mem_eof_return(bio, v); }
static inline long kvs_BIO_get_mem_data(BIO *bio, char **pp) { return BIO_get_mem_data(bio, pp); }
static inline long kvs_BIO_ctrl_pending(BIO *bio) { return (long)BIO_ctrl_pending(bio); }
static inline long kvs_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline const char *kvs_openssl_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }

// DTLS endpoint and certificate helpers (function-like macros in OpenSSL 3.0).
static inline long kvs_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_min_proto_version(ctx, v); }
static inline long kvs_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
static inline long kvs_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return SSL_CTX_set1_groups_list(ctx, list); }
static inline long kvs_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
static inline void kvs_BIO_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void kvs_BIO_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline EVP_PKEY *kvs_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }
// SSL_OP_* are 64-bit shift expressions that Swift does not import: the options a WebRTC DTLS
// endpoint needs (MTU set by the caller, no session tickets, no renegotiation).
static inline uint64_t kvs_dtls_endpoint_options(void) { return SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION; }
static inline const char *kvs_SRTP_PROTECTION_PROFILE_name(const SRTP_PROTECTION_PROFILE *p) { return p ? p->name : 0; }
#endif
