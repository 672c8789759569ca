import CCurl

/// Owns one libcurl easy handle with the settings every kvsmaster HTTPS call shares (RFC 9110
/// §4.3.4 https: the peer certificate and host name are always verified), plus its header
/// list and error buffer, all freed in `deinit`.
final class HTTPCurlEasy {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// CURLOPT_ERRORBUFFER: libcurl writes its detailed message here.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let errorBufferSize: Int

    init?() {
        NetworkLibraries.initialize()
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBufferSize = Int(kvs_curl_error_size()) + 1
        errorBuffer = .allocate(capacity: errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: errorBufferSize)
        _ = kvs_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// HTTPS only, certificate and host name verification on, trust anchors from `store`, no
    /// signals (the handle may run on any thread); false if libcurl refused an option.
    func configureTLS(url: String, store: CATrustStore) -> Bool {
        var results = [
            kvs_curl_setopt_string(handle, CURLOPT_URL, url),
            kvs_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https"),
            kvs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
            kvs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
            kvs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
        ]
        switch store {
        case .libraryDefault: break
        case .file(let path): results.append(kvs_curl_setopt_string(handle, CURLOPT_CAINFO, path))
        case .directory(let path): results.append(kvs_curl_setopt_string(handle, CURLOPT_CAPATH, path))
        }
        return results.allSatisfy { $0 == CURLE_OK }
    }

    /// Connect and total timeouts, rounded up to whole milliseconds (0 would mean "none").
    func setTimeouts(connect: Duration, total: Duration) -> Bool {
        kvs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connect)) == CURLE_OK
            && kvs_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(total)) == CURLE_OK
    }

    /// Replaces the request header list with `lines` (`Name: value` each).
    func setHeaders(_ lines: [String]) -> Bool {
        curl_slist_free_all(headerList)
        headerList = nil
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else { return false }
            headerList = list
        }
        return kvs_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) == CURLE_OK
    }

    /// libcurl's detailed message for the last failure, or its generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int.max }
        let extra = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, millis &+ extra))
    }
}
