import CCurl

/// Fetches credentials from the AWS IoT credentials provider over mutual TLS with libcurl
/// (AWS IoT Core Developer Guide, "Authorizing direct calls to AWS services": the device
/// authenticates with its X.509 certificate; the endpoint's certificate is always verified).
///
/// This is the blocking I/O edge; everything it decides is in `IoTCredentialRequest`,
/// `IoTCredentialResponse` and `IoTCredentialRefresher`.
public enum IoTCredentialFetcher {
    /// Largest response accepted; a real answer is about 1.5 KB.
    static let maximumResponseSize = 64 * 1024

    public static func fetch(_ configuration: IoTCredentialConfiguration) -> Result<AWSCredentials, IoTCredentialError> {
        let response: (status: Int, body: [UInt8])
        switch perform(IoTCredentialRequest(configuration: configuration), configuration: configuration) {
        case .success(let answer): response = answer
        case .failure(let error): return .failure(error)
        }
        guard response.status == 200 else {
            return .failure(IoTCredentialResponse.error(status: response.status, body: response.body))
        }
        do {
            return .success(try IoTCredentialResponse.parse(response.body))
        } catch {
            return .failure(error)
        }
    }

    /// One GET with the device certificate; the HTTP status and body, or the transport error.
    static func perform(
        _ request: IoTCredentialRequest, configuration: IoTCredentialConfiguration
    ) -> Result<(status: Int, body: [UInt8]), IoTCredentialError> {
        guard let easy = HTTPCurlEasy() else { return .failure(.connectionFailed(code: -1, message: "curl_easy_init failed")) }
        let sink = IoTResponseSink(limit: maximumResponseSize)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var ok = configure(easy, request: request, configuration: configuration)
        ok = ok && kvs_curl_setopt_data_callback(easy.handle, CURLOPT_WRITEFUNCTION, ioTCurlWrite) == CURLE_OK
        ok = ok && kvs_curl_setopt_pointer(easy.handle, CURLOPT_WRITEDATA, context) == CURLE_OK
        let code = ok ? curl_easy_perform(easy.handle) : CURLE_FAILED_INIT
        withExtendedLifetime(sink) {}
        var status = 0
        _ = kvs_curl_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        guard code == CURLE_OK else {
            return .failure(classify(code, detail: easy.errorMessage(for: code), gotResponse: status != 0))
        }
        return .success((status, sink.bytes))
    }

    /// The shared HTTPS settings (verification always on) plus the GET, the headers and the
    /// device certificate; false if libcurl refused any option.
    static func configure(
        _ easy: HTTPCurlEasy, request: IoTCredentialRequest, configuration: IoTCredentialConfiguration
    ) -> Bool {
        let h = easy.handle
        return easy.configureTLS(url: request.url, store: CATrustStore(configuration.trustAnchors))
            && easy.setHeaders(request.headers.map { "\($0.name): \($0.value)" })
            && easy.setTimeouts(connect: .seconds(configuration.connectTimeout), total: .seconds(configuration.totalTimeout))
            && kvs_curl_setopt_long(h, CURLOPT_HTTPGET, 1) == CURLE_OK
            && kvs_curl_setopt_string(h, CURLOPT_SSLCERTTYPE, "PEM") == CURLE_OK
            && kvs_curl_setopt_string(h, CURLOPT_SSLCERT, configuration.certificatePath) == CURLE_OK
            && kvs_curl_setopt_string(h, CURLOPT_SSLKEY, configuration.privateKeyPath) == CURLE_OK
    }

    /// Maps libcurl's result to the error a user can act on.
    static func classify(_ code: CURLcode, detail: String, gotResponse: Bool) -> IoTCredentialError {
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION: .serverCertificateUntrusted(detail)
        case CURLE_SSL_CERTPROBLEM: .clientCertificateUnusable(detail)
        case CURLE_SSL_CACERT_BADFILE: .caCertificateUnusable(detail)
        case CURLE_OPERATION_TIMEDOUT: .timedOut(detail)
        case CURLE_SSL_CONNECT_ERROR: .tlsHandshakeFailed(detail)
        // With TLS 1.3 the server's verdict on the client certificate arrives after the client
        // considers the handshake done: an alert on the first read, or a connection already
        // closed when the request is sent.
        case CURLE_RECV_ERROR where !gotResponse, CURLE_SEND_ERROR where !gotResponse: .tlsHandshakeFailed(detail)
        case CURLE_WRITE_ERROR: .invalidResponse("larger than \(maximumResponseSize) bytes")
        default: .connectionFailed(code: Int(code.rawValue), message: detail)
        }
    }
}

/// Collects the response body for the write callback, refusing more than `limit` bytes.
final class IoTResponseSink {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }
}

private func ioTCurlWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<IoTResponseSink>.fromOpaque(context).takeUnretainedValue()
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, sink.bytes.count + length <= sink.limit else { return 0 }
    sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}
