import Security

/// What reaches the DTLS layer from the network or the offer: datagrams checked for whole,
/// plausible records before OpenSSL sees them (RFC 6347 §4.1), and `a=fingerprint` values
/// (RFC 8122 §5).
public enum DTLSFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        var accepted = false
        if let records = DTLSRecordFraming.records(in: data) {
            accepted = true
            let total = records.reduce(0) { $0 + DTLSRecordHeader.length + $1.fragmentLength }
            guard total == data.count else { return .invariantViolated("records do not cover the datagram exactly") }
            guard DTLSRecordFraming.isWellFormed(data) == records.allSatisfy(\.isPlausible) else {
                return .invariantViolated("isWellFormed disagrees with the records' plausibility")
            }
        }
        if let text = String(validating: data, as: UTF8.self), let fingerprint = try? CertificateFingerprint(sdpValue: text) {
            accepted = true
            guard let again = try? CertificateFingerprint(sdpValue: fingerprint.sdpValue), again == fingerprint else {
                return .invariantViolated("fingerprint \(fingerprint.sdpValue) does not round-trip")
            }
        }
        return accepted ? .accepted : .rejected
    }

    static let seeds: [[UInt8]] = [
        // A ClientHello record header (handshake, DTLS 1.0 record version, epoch 0) with a 4-byte body.
        [22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0],
        Array("sha-256 FC:61:78:73:52:F6:C5:75:49:74:7F:63:47:DE:5B:5B:69:3B:79:04:B5:D8:2F:B2:FC:0F:A9:07:74:30:58:86".utf8),
    ]
}
