import CCurl

/// One request in flight on `RESTClient`'s multi handle: its easy handle, the bytes received so
/// far, and the completion to call exactly once (RFC 9112 message framing is libcurl's job;
/// this collects the status line, fields and body it hands over).
///
/// Built on the caller's thread, then handed over once through the queue and touched only by
/// the service thread: hence `@unchecked Sendable`.
final class RESTTransfer: @unchecked Sendable {
    let easy: HTTPCurlEasy?
    private let completion: @Sendable (Result<HTTPResponse, HTTPError>) -> Void
    /// Set when the request could not be configured; the service thread completes it with this.
    private(set) var setupFailure: HTTPError?
    private(set) var body: [UInt8] = []
    private(set) var headers: [HTTPHeader] = []
    private var headerBytes = 0
    private let bodyLimit: Int
    /// The write or header callback refused data because a cap was reached.
    private(set) var overflowed = false
    private var finished = false

    /// Header block cap: KVS answers carry well under 2 KB of fields.
    static let headerLimit = 64 * 1024

    init(
        request: HTTPRequest, configuration: RESTClient.Configuration,
        completion: @escaping @Sendable (Result<HTTPResponse, HTTPError>) -> Void
    ) {
        self.completion = completion
        bodyLimit = configuration.maximumResponseSize
        easy = HTTPCurlEasy()
        if let problem = Self.validate(request) {
            setupFailure = .invalidRequest(problem)
        } else if easy == nil {
            setupFailure = .invalidRequest("curl_easy_init failed")
        } else if !configure(request, configuration: configuration) {
            setupFailure = .invalidRequest("libcurl refused an option for \(request.method) \(request.url)")
        }
    }

    /// Completes the transfer; later calls do nothing.
    func finish(_ result: Result<HTTPResponse, HTTPError>) {
        guard !finished else { return }
        finished = true
        completion(result)
    }

    /// The outcome once libcurl reports the transfer done with `code`.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard let easy else { return .failure(.invalidRequest("no easy handle")) }
        guard code == CURLE_OK else {
            if overflowed { return .failure(.responseTooLarge(limit: bodyLimit)) }
            return .failure(Self.classify(code, message: easy.errorMessage(for: code)))
        }
        var status = 0
        _ = kvs_curl_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: headers, body: body))
    }

    /// Maps libcurl's failure onto what a caller can act on.
    static func classify(_ code: CURLcode, message: String) -> HTTPError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timedOut(message)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .connectionFailed(message)
        case CURLE_PEER_FAILED_VERIFICATION: .certificateUntrusted(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            .tlsFailed(message)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: .invalidRequest(message)
        default: .transport(code: Int(code.rawValue), message: message)
        }
    }

    /// A problem that makes `request` unsendable: not https, or CR/LF that would let a value
    /// inject header lines (RFC 9110 §5.5 forbids them in field values).
    static func validate(_ request: HTTPRequest) -> String? {
        guard request.url.lowercased().hasPrefix("https://") else { return "only https:// URLs are allowed" }
        let token = request.method.utf8
        guard !token.isEmpty, token.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            return "method '\(request.method.prefix(16))' is not an uppercase token"
        }
        for header in request.headers {
            let bad = { (text: String) in text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
            guard !header.name.isEmpty, !header.name.contains(":"), !bad(header.name), !bad(header.value) else {
                return "header '\(header.name.prefix(64))' has a forbidden character"
            }
        }
        guard !request.url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else { return "URL contains a control character or space" }
        return nil
    }

    private func configure(_ request: HTTPRequest, configuration: RESTClient.Configuration) -> Bool {
        guard let easy else { return false }
        let h = easy.handle
        let context = Unmanaged.passUnretained(self).toOpaque()
        // An empty `Expect:` stops libcurl waiting for 100-continue before larger bodies.
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        lines.append("Expect:")
        var ok = easy.configureTLS(url: request.url, store: configuration.trustStore)
        ok = ok && easy.setHeaders(lines)
        ok = ok
            && easy.setTimeouts(
                connect: request.connectTimeout ?? configuration.connectTimeout,
                total: request.totalTimeout ?? configuration.totalTimeout)
        ok = ok && kvs_curl_setopt_long(h, CURLOPT_HTTP_VERSION, kvs_curl_http_version_1_1()) == CURLE_OK
        ok = ok && kvs_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1) == CURLE_OK
        ok = ok && kvs_curl_setopt_string(h, CURLOPT_USERAGENT, configuration.userAgent) == CURLE_OK
        ok = ok && kvs_curl_setopt_data_callback(h, CURLOPT_WRITEFUNCTION, restTransferWrite) == CURLE_OK
        ok = ok && kvs_curl_setopt_pointer(h, CURLOPT_WRITEDATA, context) == CURLE_OK
        ok = ok && kvs_curl_setopt_data_callback(h, CURLOPT_HEADERFUNCTION, restTransferHeader) == CURLE_OK
        ok = ok && kvs_curl_setopt_pointer(h, CURLOPT_HEADERDATA, context) == CURLE_OK
        return ok && configureMethod(request, handle: h)
    }

    private func configureMethod(_ request: HTTPRequest, handle h: UnsafeMutableRawPointer) -> Bool {
        switch request.method {
        case "GET" where request.body.isEmpty:
            return kvs_curl_setopt_long(h, CURLOPT_HTTPGET, 1) == CURLE_OK
        case "HEAD":
            return kvs_curl_setopt_long(h, CURLOPT_NOBODY, 1) == CURLE_OK
        default:
            var ok = kvs_curl_setopt_long(h, CURLOPT_POST, 1) == CURLE_OK
            if request.method != "POST" {
                ok = ok && kvs_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method) == CURLE_OK
            }
            ok = ok && kvs_curl_setopt_off_t(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) == CURLE_OK
            // COPYPOSTFIELDS copies the bytes now, so the array need not outlive this call.
            let copied = request.body.withUnsafeBytes { bytes -> CURLcode in
                let empty: StaticString = ""
                let pointer = bytes.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
                return kvs_curl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: pointer))
            }
            return ok && copied == CURLE_OK
        }
    }

    // MARK: Callbacks (service thread)

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= bodyLimit else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One header line as libcurl delivers it: a status line starts a new response (after an
    /// interim 1xx), `Name: value` adds a field, the blank line ends the block.
    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        headerBytes += bytes.count
        guard headerBytes <= Self.headerLimit else {
            overflowed = true
            return false
        }
        var line = Array(bytes)
        while let last = line.last, last == 13 || last == 10 { line.removeLast() }
        guard !line.isEmpty else { return true }
        if line.starts(with: Array("HTTP/".utf8)) {
            headers.removeAll()
            return true
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return true }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingASCIIWhitespace()
        headers.append(HTTPHeader(name, value))
        return true
    }
}

private func restTransferWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return 0 }
    let transfer = Unmanaged<RESTTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private func restTransferHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return 0 }
    let transfer = Unmanaged<RESTTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}
