import KVSCrypto

/// Which side of the DTLS handshake we take, decided by SDP `a=setup` (RFC 5763 §5, RFC 8842 §5):
/// the `active` side is the DTLS client.
public enum DTLSRole: Sendable, Equatable {
    case client
    case server

    /// Our role given the peer's `a=setup` value when we answer its offer. An offer of `actpass`
    /// gets `active` in our answer (RFC 8842 §5.3: the answerer should take active), which makes
    /// us the client; an offer of `active` makes us the server. Nil for `holdconn` or junk.
    public init?(answeringRemoteSetup setup: some StringProtocol) {
        switch setup.lowercased() {
        case "actpass", "passive": self = .client
        case "active": self = .server
        default: return nil
        }
    }

    /// The `a=setup` value we put in an answer for this role.
    public var answerSetupValue: String { self == .client ? "active" : "passive" }
}

/// Why a DTLS association (RFC 6347) failed or an operation was refused, including the
/// fingerprint checks of RFC 5763 §6.2 and the use_srtp negotiation of RFC 5764 §4.1. Carries no
/// key material.
public enum DTLSError: Error, Equatable, Sendable {
    /// The peer's certificate does not match any SDP fingerprint of the preferred algorithm
    /// (RFC 8122 §5, RFC 5763 §6.2).
    case fingerprintMismatch(algorithm: DigestAlgorithm)
    /// The remote description had no fingerprint with an accepted hash function.
    case noUsableFingerprint
    /// The peer completed the handshake without presenting a certificate.
    case missingPeerCertificate
    /// The peer did not agree to any SRTP protection profile we offered (RFC 5764 §4.1.1).
    case noSRTPProfileNegotiated
    /// OpenSSL reported a handshake or record error (its reason text: no secrets in it).
    case handshakeFailed(String)
    /// A fatal error after the handshake (a received alert, a failed write).
    case protocolError(String)
    /// No handshake completed within the configured time.
    case handshakeTimedOut
    /// SSL_export_keying_material failed (RFC 5705).
    case keyExportFailed
    /// Setting up OpenSSL objects failed.
    case setupFailed(String)
    /// Application data was sent before the handshake completed or after close.
    case notConnected
    /// Application data larger than a DTLS record can carry.
    case messageTooLarge(Int)
}

/// Facts about a completed DTLS-SRTP handshake (RFC 5764 §4.2): the profile, the exported keys,
/// and the verified peer fingerprint (RFC 8122 §5).
public struct DTLSConnection: Sendable, Equatable, CustomStringConvertible {
    public var srtpProfile: SRTPProfile
    /// Split per RFC 5764 §4.2; already arranged as local/remote for our role.
    public var keyingMaterial: SRTPKeyingMaterial
    /// Fingerprint of the peer's certificate, with the algorithm it was verified with.
    public var remoteFingerprint: CertificateFingerprint
    /// The negotiated cipher suite, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`.
    public var cipherSuite: String

    public init(srtpProfile: SRTPProfile, keyingMaterial: SRTPKeyingMaterial,
                remoteFingerprint: CertificateFingerprint, cipherSuite: String) {
        self.srtpProfile = srtpProfile
        self.keyingMaterial = keyingMaterial
        self.remoteFingerprint = remoteFingerprint
        self.cipherSuite = cipherSuite
    }

    /// The keying material is secret and never printed.
    public var description: String {
        "DTLSConnection(profile: \(srtpProfile.rawValue), cipher: \(cipherSuite), remote: \(remoteFingerprint.sdpValue), keys: <redacted>)"
    }
}

/// What a ``DTLSEndpoint`` reports to its owner: keys for SRTP (RFC 5764 §4.2), close_notify
/// (RFC 5246 §7.2.1) and application data for SCTP over DTLS (RFC 8261).
public enum DTLSEvent: Sendable, Equatable, CustomStringConvertible {
    case connected(DTLSConnection)
    case failed(DTLSError)
    /// The association ended by close_notify (RFC 5246 §7.2.1), sent or received.
    case closed
    /// Decrypted application data (SCTP packets for the data channel, RFC 8261).
    case applicationData([UInt8])

    public var description: String {
        switch self {
        case .connected(let connection): "connected(\(connection))"
        case .failed(let error): "failed(\(error))"
        case .closed: "closed"
        case .applicationData(let bytes): "applicationData(\(bytes.count) bytes)"
        }
    }
}

/// Counters for stats and logs; malformed datagrams are dropped per RFC 6347 §4.1.2.7.
public struct DTLSStatistics: Sendable, Equatable {
    public var datagramsReceived = 0
    public var datagramsSent = 0
    /// Datagrams that were not a sequence of well-formed DTLS records (dropped before OpenSSL).
    public var malformedDatagrams = 0
    /// Datagrams that arrived before ``DTLSEndpoint/start(now:)`` or after the end.
    public var ignoredDatagrams = 0
    /// Flights retransmitted because a timer expired.
    public var retransmissions = 0
}
