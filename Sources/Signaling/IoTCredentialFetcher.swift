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
        NetworkLibraries.initialize()
        guard let easy = IoTCurlEasy() else { return .failure(.connectionFailed(code: -1, message: "curl_easy_init failed")) }
        let sink = IoTResponseSink(limit: maximumResponseSize)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            let context = Unmanaged.passUnretained(sink).toOpaque()
            var ok = easy.configure(request: request, configuration: configuration)
            ok = ok && kvs_curl_setopt_pointer(easy.handle, CURLOPT_ERRORBUFFER, errors.baseAddress) == CURLE_OK
            ok = ok && kvs_curl_setopt_data_callback(easy.handle, CURLOPT_WRITEFUNCTION, ioTCurlWrite) == CURLE_OK
            ok = ok && kvs_curl_setopt_pointer(easy.handle, CURLOPT_WRITEDATA, context) == CURLE_OK
            guard ok else { return CURLE_FAILED_INIT }
            return curl_easy_perform(easy.handle)
        }
        var status = 0
        _ = kvs_curl_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(classify(code, detail: message, gotResponse: status != 0))
        }
        return .success((status, sink.bytes))
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

/// Owns one libcurl easy handle.
final class IoTCurlEasy {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    /// Sets URL, headers, client certificate, trust anchors and timeouts; false if libcurl
    /// refused any option.
    func configure(request: IoTCredentialRequest, configuration: IoTCredentialConfiguration) -> Bool {
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        var results = [
            kvs_curl_setopt_string(handle, CURLOPT_URL, request.url),
            kvs_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https"),
            kvs_curl_setopt_long(handle, CURLOPT_HTTPGET, 1),
            kvs_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList),
            kvs_curl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM"),
            kvs_curl_setopt_string(handle, CURLOPT_SSLCERT, configuration.certificatePath),
            kvs_curl_setopt_string(handle, CURLOPT_SSLKEY, configuration.privateKeyPath),
            kvs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
            kvs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
            kvs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, configuration.connectTimeout),
            kvs_curl_setopt_long(handle, CURLOPT_TIMEOUT, configuration.totalTimeout),
            kvs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
        ]
        switch configuration.trustAnchors {
        case .system: break
        case .file(let path): results.append(kvs_curl_setopt_string(handle, CURLOPT_CAINFO, path))
        case .directory(let path): results.append(kvs_curl_setopt_string(handle, CURLOPT_CAPATH, path))
        }
        return results.allSatisfy { $0 == CURLE_OK }
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
