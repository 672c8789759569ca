// A check that the C dependency sysroot built by cross/build-sysroot.sh works on the target: each
// library kvsmaster links is called for real, and each check prints one line "ok <name> <detail>"
// (or "FAIL <name> <why>"). The exit status is 0 only when every check passed.
//
// It is built twice per target, statically against the archive group of the static kvsmaster link
// and dynamically against the sysroot's shared libraries, and run under qemu-user.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <libwebsockets.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>
#include <usrsctp.h>

static int failures = 0;

static void report(int ok, const char *name, const char *detail) {
    printf("%s %s %s\n", ok ? "ok" : "FAIL", name, detail);
    if (!ok) failures++;
}

// SHA-256("abc") from FIPS 180-2, appendix B.1.
static void check_libcrypto(void) {
    static const unsigned char expected[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    char detail[128];
    if (EVP_Digest("abc", 3, digest, &length, EVP_sha256(), NULL) != 1 || length != 32) {
        report(0, "libcrypto", "EVP_Digest(sha256) failed");
        return;
    }
    int ok = memcmp(digest, expected, sizeof expected) == 0;
    snprintf(detail, sizeof detail, "sha256(abc)=%02x%02x%02x%02x... %s", digest[0], digest[1], digest[2],
             digest[3], OpenSSL_version(OPENSSL_VERSION));
    report(ok, "libcrypto", detail);
}

static void check_libssl(void) {
    SSL_CTX *context = SSL_CTX_new(DTLS_method());
    if (context == NULL) {
        report(0, "libssl", "SSL_CTX_new(DTLS_method()) returned NULL");
        return;
    }
    int ok = SSL_CTX_set_cipher_list(context, "ECDHE-ECDSA-AES128-GCM-SHA256") == 1;
    report(ok, "libssl", ok ? "SSL_CTX with DTLS_method" : "SSL_CTX_set_cipher_list failed");
    SSL_CTX_free(context);
}

// Protects an RTP packet with one session and unprotects it with another that shares the key.
static void check_libsrtp2(void) {
    char detail[160];
    srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok) {
        snprintf(detail, sizeof detail, "srtp_init failed: %d", (int)status);
        report(0, "libsrtp2", detail);
        return;
    }
    unsigned char key[30];
    for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 7 + 1);

    srtp_policy_t sender_policy, receiver_policy;
    memset(&sender_policy, 0, sizeof sender_policy);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&sender_policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&sender_policy.rtcp);
    sender_policy.key = key;
    sender_policy.window_size = 128;
    receiver_policy = sender_policy;
    sender_policy.ssrc.type = ssrc_any_outbound;
    receiver_policy.ssrc.type = ssrc_any_inbound;

    srtp_t sender = NULL, receiver = NULL;
    if (srtp_create(&sender, &sender_policy) != srtp_err_status_ok
        || srtp_create(&receiver, &receiver_policy) != srtp_err_status_ok) {
        report(0, "libsrtp2", "srtp_create failed");
        return;
    }

    // RTP header (V=2, PT 96, sequence 1, timestamp 1000, SSRC 0x11223344) and 20 payload bytes;
    // room for the 10-byte authentication tag.
    unsigned char packet[12 + 20 + SRTP_MAX_TRAILER_LEN];
    unsigned char original[12 + 20];
    const unsigned char header[12] = {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0x11, 0x22, 0x33, 0x44};
    memcpy(original, header, sizeof header);
    for (int i = 0; i < 20; i++) original[12 + i] = (unsigned char)(0xa0 + i);
    memcpy(packet, original, sizeof original);

    int length = (int)sizeof original;
    status = srtp_protect(sender, packet, &length);
    int protected_length = length;
    int encrypted = status == srtp_err_status_ok && memcmp(packet + 12, original + 12, 20) != 0;
    if (status == srtp_err_status_ok) status = srtp_unprotect(receiver, packet, &length);
    int ok = encrypted && status == srtp_err_status_ok && length == (int)sizeof original
        && memcmp(packet, original, sizeof original) == 0;
    snprintf(detail, sizeof detail, "AES_CM_128_HMAC_SHA1_80 protect %zu->%d bytes, unprotect %s (%s)",
             sizeof original, protected_length, ok ? "matches" : "differs", srtp_get_version_string());
    report(ok, "libsrtp2", detail);
    srtp_dealloc(sender);
    srtp_dealloc(receiver);
    srtp_shutdown();
}

static void check_libcurl(void) {
    char detail[160];
    curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    int ok = info != NULL && info->ssl_version != NULL && strstr(info->ssl_version, "OpenSSL") != NULL
        && (info->features & CURL_VERSION_SSL) != 0;
    snprintf(detail, sizeof detail, "%s ssl=%s", info ? info->version : "?",
             info && info->ssl_version ? info->ssl_version : "none");
    report(ok, "libcurl", detail);
}

static int sctp_conn_output(void *address, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
    (void)address; (void)buffer; (void)length; (void)tos; (void)set_df;
    return 0;
}

static void check_usrsctp(void) {
    usrsctp_init_nothreads(0, sctp_conn_output, NULL);
    int finished = usrsctp_finish();
    report(finished == 0, "usrsctp", finished == 0 ? "usrsctp_init_nothreads + usrsctp_finish" : "usrsctp_finish failed");
}

static void check_libwebsockets(void) {
    const char *version = lws_get_library_version();
    report(version != NULL && version[0] != '\0', "libwebsockets", version ? version : "no version");
}

int main(void) {
    check_libcrypto();
    check_libssl();
    check_libsrtp2();
    check_libcurl();
    check_usrsctp();
    check_libwebsockets();
    printf("%s: %d check(s) failed\n", failures == 0 ? "probe passed" : "probe FAILED", failures);
    return failures == 0 ? 0 : 1;
}
