/// SRTP protection profiles negotiated through DTLS-SRTP (RFC 5764 §4.1.2, RFC 7714 §14.2).
public enum SRTPProfile: String, Sendable, CaseIterable {
    case aes128CmHmacSha1_80 = "SRTP_AES128_CM_SHA1_80"
    case aes128CmHmacSha1_32 = "SRTP_AES128_CM_SHA1_32"
    case aeadAes128Gcm = "SRTP_AEAD_AES_128_GCM"

    /// The profile named by OpenSSL's `SSL_get_selected_srtp_profile`.
    public init?(dtlsName: String) { self.init(rawValue: dtlsName) }

    public var masterKeyLength: Int { 16 }

    public var masterSaltLength: Int {
        switch self {
        case .aes128CmHmacSha1_80, .aes128CmHmacSha1_32: 14
        case .aeadAes128Gcm: 12
        }
    }

    /// Bytes appended to each protected RTP packet.
    public var rtpTrailerLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 10
        case .aes128CmHmacSha1_32: 4
        case .aeadAes128Gcm: 16
        }
    }

    /// Bytes appended to each protected RTCP packet (SRTCP index + tag). RFC 5764 §4.1.2: the
    /// _32 profile still uses an 80-bit tag for SRTCP.
    public var rtcpTrailerLength: Int {
        switch self {
        case .aes128CmHmacSha1_80, .aes128CmHmacSha1_32: 4 + 10
        case .aeadAes128Gcm: 4 + 16
        }
    }
}

/// The keys and salts of both directions, split from DTLS keying-material export (RFC 5764 §4.2:
/// client key, server key, client salt, server salt, exported with the label
/// "EXTRACTOR-dtls_srtp").
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var profile: SRTPProfile
    public var localKey: [UInt8]
    public var localSalt: [UInt8]
    public var remoteKey: [UInt8]
    public var remoteSalt: [UInt8]

    /// Bytes to request from the exporter for `profile`.
    public static func exportLength(for profile: SRTPProfile) -> Int {
        2 * (profile.masterKeyLength + profile.masterSaltLength)
    }

    /// Splits exported material; `isClient` says whether this side was the DTLS client. Nil if
    /// the material has the wrong length.
    public init?(exported: [UInt8], profile: SRTPProfile, isClient: Bool) {
        let k = profile.masterKeyLength
        let s = profile.masterSaltLength
        guard exported.count == 2 * (k + s) else { return nil }
        let clientKey = Array(exported[0..<k])
        let serverKey = Array(exported[k..<2 * k])
        let clientSalt = Array(exported[2 * k..<2 * k + s])
        let serverSalt = Array(exported[2 * k + s..<2 * k + 2 * s])
        self.profile = profile
        localKey = isClient ? clientKey : serverKey
        localSalt = isClient ? clientSalt : serverSalt
        remoteKey = isClient ? serverKey : clientKey
        remoteSalt = isClient ? serverSalt : clientSalt
    }
}

extension SRTPKeyingMaterial: CustomStringConvertible, CustomDebugStringConvertible {
    /// The profile only: keys and salts never reach a log line or an error message.
    public var description: String { "SRTPKeyingMaterial(\(profile.rawValue), keys <redacted>)" }
    public var debugDescription: String { description }
}
