import COpenSSL

/// Errors raised while setting up OpenSSL's DTLS machinery.
public enum DTLSSetupError: Error, Equatable, Sendable {
    case contextCreationFailed(String)
}

/// Checks that OpenSSL can build a DTLS context with the SRTP profiles WebRTC needs.
public enum DTLSLibrary {
    /// Creates and frees an `SSL_CTX` for `DTLS_method()` with the use_srtp profiles set,
    /// returning the profile string OpenSSL accepted.
    public static func probe() throws(DTLSSetupError) -> String {
        guard let ctx = SSL_CTX_new(DTLS_method()) else {
            throw .contextCreationFailed(openSSLErrorString())
        }
        defer { SSL_CTX_free(ctx) }
        let profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"
        // SSL_CTX_set_tlsext_use_srtp returns 0 on success.
        guard SSL_CTX_set_tlsext_use_srtp(ctx, profiles) == 0 else {
            throw .contextCreationFailed(openSSLErrorString())
        }
        return profiles
    }

    /// The most recent OpenSSL error as text (and clears the queue).
    public static func openSSLErrorString() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown OpenSSL error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
