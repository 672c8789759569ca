import CCurl
import CWebSockets

/// Process-wide setup and version reporting for libcurl (KVS REST calls) and libwebsockets
/// (the signaling WebSocket).
public enum NetworkLibraries {
    private static let curlStatus: Int32 = Int32(curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue)

    /// Initializes libcurl once per process; returns false if it could not be.
    @discardableResult
    public static func initialize() -> Bool { curlStatus == 0 }

    /// e.g. "libcurl/7.88.1 OpenSSL/3.0.17 zlib/1.2.13 …".
    public static var curlVersion: String { String(cString: curl_version()) }

    /// The TLS backend libcurl was built with; kvsmaster needs OpenSSL.
    public static var curlTLSBackend: String {
        guard let info = kvs_curl_version_info(), let ssl = info.pointee.ssl_version else { return "none" }
        return String(cString: ssl)
    }

    /// e.g. "4.1.6-".
    public static var webSocketsVersion: String { String(cString: lws_get_library_version()) }
}
