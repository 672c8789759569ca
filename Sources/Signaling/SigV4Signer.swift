import KVSCrypto
import WireKit

/// AWS Signature Version 4 (AWS SigV4, "Create a signed AWS API request"): header signing for
/// the KVS REST calls and query presigning for the signaling WebSocket URL.
///
/// Sans-IO: the time is an input (`now`, Unix seconds) and `clockOffset` is added to it, so a
/// caller that learns the server's clock is skewed (a `Date` header in a 403) can correct it.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of the empty string: the payload hash of bodiless requests and presigned URLs.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Headers that proxies and HTTP stacks may rewrite, so they are sent but never signed
    /// (the same set botocore leaves out).
    static let unsignedHeaders: Set<String> = ["expect", "user-agent", "x-amzn-trace-id"]
    /// Headers the signer owns: a caller's copy is dropped and replaced.
    static let signerHeaders: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]

    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Seconds added to `now` before signing.
    public var clockOffset: Int64

    public init(credentials: AWSCredentials, region: String, service: String = "kinesisvideo", clockOffset: Int64 = 0) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.clockOffset = clockOffset
    }

    /// The instant that goes into `X-Amz-Date`: `now + clockOffset`, saturating instead of
    /// overflowing.
    public func signingTime(now: Int64) -> SigV4Timestamp {
        let (sum, overflow) = now.addingReportingOverflow(clockOffset)
        return SigV4Timestamp(unixSeconds: overflow ? (clockOffset < 0 ? .min : .max) : sum)
    }

    /// `<date>/<region>/<service>/aws4_request`.
    public func credentialScope(_ time: SigV4Timestamp) -> String {
        "\(time.dateStamp)/\(region)/\(service)/aws4_request"
    }

    // MARK: Header signing

    /// Signs `request` in the Authorization header.
    public func sign(_ request: SigV4Request, now: Int64) throws(SigV4Error) -> SigV4SignedRequest {
        let time = signingTime(now: now)
        var headers = headersToSend(request, time: time)
        let (canonicalRequest, signedHeaders) = try canonicalRequest(request, headers: headers)
        let signature = try signature(canonicalRequest: canonicalRequest, time: time)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(time)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        headers.append(SigV4Header("Authorization", authorization))
        return SigV4SignedRequest(
            request: request, headers: headers, authorization: authorization, signature: signature,
            amzDate: time.amzDate)
    }

    /// The caller's headers without any the signer owns, plus `Host` (unless given),
    /// `X-Amz-Date` and `X-Amz-Security-Token` (with a session token).
    func headersToSend(_ request: SigV4Request, time: SigV4Timestamp) -> [SigV4Header] {
        var headers = request.headers.filter { !Self.signerHeaders.contains($0.name.lowercased()) }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.append(SigV4Header("Host", request.host.lowercased()))
        }
        headers.append(SigV4Header("X-Amz-Date", time.amzDate))
        if let token = credentials.sessionToken {
            headers.append(SigV4Header("X-Amz-Security-Token", token))
        }
        return headers
    }

    /// The canonical request over `headers` (as returned by `headersToSend`) and its
    /// signed-headers list.
    func canonicalRequest(
        _ request: SigV4Request, headers: [SigV4Header]
    ) throws(SigV4Error) -> (text: String, signedHeaders: String) {
        let canonical = Self.canonicalHeaders(headers)
        let text = [
            request.method.uppercased(),
            SigV4Encoding.canonicalURI(path: request.path),
            Self.canonicalQuery(request.query.map { ($0.name, $0.value) }),
            canonical.block,
            canonical.signedHeaders,
            try Self.hexSHA256(request.body),
        ].joined(separator: "\n")
        return (text, canonical.signedHeaders)
    }

    // MARK: Query presigning

    /// A presigned URL for `scheme://host path?query` that signs only the `host` header and an
    /// empty payload (what the KVS signaling WebSocket expects for ConnectAsMaster). The
    /// session token, when there is one, is part of the signed query.
    public func presign(
        scheme: String = "wss", host: String, path: String = "", query: [SigV4QueryItem], expires: Int = 300,
        now: Int64
    ) throws(SigV4Error) -> SigV4PresignedURL {
        guard (1...604_800).contains(expires) else { throw .invalidExpiry(expires) }
        let time = signingTime(now: now)
        let lowercasedHost = host.lowercased()
        var authItems = [
            SigV4QueryItem("X-Amz-Algorithm", Self.algorithm),
            SigV4QueryItem("X-Amz-Credential", "\(credentials.accessKeyID)/\(credentialScope(time))"),
            SigV4QueryItem("X-Amz-Date", time.amzDate),
            SigV4QueryItem("X-Amz-Expires", String(expires)),
            SigV4QueryItem("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken {
            authItems.append(SigV4QueryItem("X-Amz-Security-Token", token))
        }
        let allItems = query + authItems
        let canonicalRequest = [
            "GET",
            SigV4Encoding.canonicalURI(path: path),
            Self.canonicalQuery(allItems.map { ($0.name, $0.value) }),
            "host:\(lowercasedHost)\n",
            "host",
            Self.emptyPayloadHash,
        ].joined(separator: "\n")
        let signature = try signature(canonicalRequest: canonicalRequest, time: time)
        let queryString = allItems.map(\.encoded).joined(separator: "&") + "&X-Amz-Signature=" + signature
        let (expiresAt, overflow) = time.unixSeconds.addingReportingOverflow(Int64(expires))
        return SigV4PresignedURL(
            url: "\(scheme)://\(host)\(path)?\(queryString)", signature: signature,
            amzDate: time.amzDate, expiresAt: overflow ? .max : expiresAt)
    }

    /// The ConnectAsMaster URL for a signaling channel: `endpoint` is the WSS endpoint from
    /// GetSignalingChannelEndpoint (`wss://m-1234abcd.kinesisvideo.us-west-2.amazonaws.com`).
    public func connectAsMasterURL(
        endpoint: String, channelARN: String, expires: Int = 300, now: Int64
    ) throws(SigV4Error) -> SigV4PresignedURL {
        guard let separator = endpoint.firstTextRange(of: "://") else { throw .invalidEndpoint(endpoint) }
        let scheme = String(endpoint[..<separator.lowerBound])
        let rest = endpoint[separator.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = String(rest[..<slash])
        let path = String(rest[slash...])
        guard !scheme.isEmpty, !host.isEmpty, !host.contains("?"), !path.contains("?") else {
            throw .invalidEndpoint(endpoint)
        }
        return try presign(
            scheme: scheme, host: host, path: path, query: [SigV4QueryItem("X-Amz-ChannelARN", channelARN)],
            expires: expires, now: now)
    }

    // MARK: Pieces of the canonical request

    /// Canonical query: every name and value RFC 3986 encoded, pairs sorted by encoded name and
    /// then encoded value (byte order), joined with `&`.
    static func canonicalQuery(_ items: [(String, String)]) -> String {
        let encoded = items.map { (Array(SigV4Encoding.uriEncode($0.0).utf8), Array(SigV4Encoding.uriEncode($0.1).utf8)) }
        let sorted = encoded.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return lhs.0.lexicographicallyPrecedes(rhs.0) }
            return lhs.1.lexicographicallyPrecedes(rhs.1)
        }
        return sorted.map { String(decoding: $0.0, as: UTF8.self) + "=" + String(decoding: $0.1, as: UTF8.self) }
            .joined(separator: "&")
    }

    /// Canonical header block (`name:value\n` per header, names lowercased and sorted, repeated
    /// headers' trimmed values joined with commas) and the signed-headers list.
    static func canonicalHeaders(_ headers: [SigV4Header]) -> (block: String, signedHeaders: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(SigV4Encoding.trimAll(header.value))
        }
        let names = order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let block = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// `AWS4-HMAC-SHA256\n<time>\n<scope>\n<hex sha256 of the canonical request>`.
    func stringToSign(canonicalRequest: String, time: SigV4Timestamp) throws(SigV4Error) -> String {
        let hash = try Self.hexSHA256(Array(canonicalRequest.utf8))
        return "\(Self.algorithm)\n\(time.amzDate)\n\(credentialScope(time))\n\(hash)"
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(time: SigV4Timestamp) throws(SigV4Error) -> [UInt8] {
        var key = try Self.hmac(key: Array(("AWS4" + credentials.secretAccessKey).utf8), time.dateStamp)
        for part in [region, service, "aws4_request"] {
            key = try Self.hmac(key: key, part)
        }
        return key
    }

    func signature(canonicalRequest: String, time: SigV4Timestamp) throws(SigV4Error) -> String {
        let toSign = try stringToSign(canonicalRequest: canonicalRequest, time: time)
        return Hex.encode(try Self.hmac(key: signingKey(time: time), toSign))
    }

    static func hmac(key: [UInt8], _ message: String) throws(SigV4Error) -> [UInt8] {
        do {
            return try Crypto.hmac(.sha256, key: key, data: Array(message.utf8))
        } catch {
            throw .cryptoFailed("\(error)")
        }
    }

    static func hexSHA256(_ bytes: [UInt8]) throws(SigV4Error) -> String {
        do {
            return Hex.encode(try Crypto.digest(.sha256, bytes))
        } catch {
            throw .cryptoFailed("\(error)")
        }
    }
}
