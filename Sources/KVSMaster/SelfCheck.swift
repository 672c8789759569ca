import DataChannel
import KVSCrypto
import Security
import Signaling
import WireKit

#if KVS_GSTREAMER
import Media
#endif

/// One line of the self-check report.
public struct CheckResult: Sendable {
    public enum Status: String, Sendable {
        case ok = "ok"
        case failed = "FAIL"
        case skipped = "skip"
    }

    public var status: Status
    public var name: String
    public var detail: String

    public init(_ status: Status, _ name: String, _ detail: String) {
        self.status = status
        self.name = name
        self.detail = detail
    }

    /// `  ok    DTLS           handshake …`: the report line, status and name in columns.
    public var line: String { "  \(status.rawValue.padded(to: 4))  \(name.padded(to: 14)) \(detail)" }
}

extension String {
    /// The string with spaces after it up to `width` characters (unchanged when longer), for
    /// the columns of the selfcheck and doctor reports.
    func padded(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

/// `kvsmaster selfcheck`: proves, without any AWS account or network, that every library the
/// daemon relies on works on this machine, and that the media path (capture → RTP → SRTP) does.
public struct SelfCheck: Sendable {
    /// Frames to capture from the GStreamer test source.
    public var frames: Int
    public var width: Int
    public var height: Int

    public init(frames: Int = 90, width: Int = 640, height: Int = 480) {
        self.frames = frames
        self.width = width
        self.height = height
    }

    /// Runs every check, calling `report` as each one finishes (so a slow step shows progress).
    public func run(report: (CheckResult) -> Void) -> Bool {
        var allPassed = true
        for check in [checkOpenSSL, checkSRTP, checkSCTP, checkCurl, checkWebSockets, checkSTUN] {
            let result = check()
            if result.status == .failed { allPassed = false }
            report(result)
        }
        for result in checkMedia() {
            if result.status == .failed { allPassed = false }
            report(result)
        }
        return allPassed
    }

    func checkOpenSSL() -> CheckResult {
        do {
            let profiles = try DTLSLibrary.probe()
            let hmac = try Crypto.hmac(.sha1, key: [UInt8](repeating: 0x0B, count: 20), data: Array("Hi There".utf8))
            // RFC 2202 test case 1.
            guard hmac.first == 0xB6, hmac.last == 0x00 else {
                return CheckResult(.failed, "OpenSSL", "HMAC-SHA1 gave a wrong result")
            }
            return CheckResult(.ok, "OpenSSL", "\(Crypto.libraryVersion): DTLS context with \(profiles.split(separator: ":").count) SRTP profiles, HMAC-SHA1 verified")
        } catch {
            return CheckResult(.failed, "OpenSSL", "\(error)")
        }
    }

    func checkSRTP() -> CheckResult {
        do {
            try SRTPLibrary.initialize()
            let key = try Crypto.randomBytes(16)
            let salt = try Crypto.randomBytes(14)
            let tx = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .outbound)
            let rx = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .inbound)
            let plain: [UInt8] = [0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 0x42, count: 100)
            var packet = plain
            try tx.protectRTP(&packet)
            try rx.unprotectRTP(&packet)
            guard packet == plain else { return CheckResult(.failed, "libsrtp2", "protect/unprotect did not round-trip") }
            return CheckResult(.ok, "libsrtp2", "\(SRTPLibrary.version): AES_CM_128_HMAC_SHA1_80 protect/unprotect")
        } catch {
            return CheckResult(.failed, "libsrtp2", "\(error)")
        }
    }

    func checkSCTP() -> CheckResult {
        SCTPLibrary.initialize()
        return CheckResult(.ok, "usrsctp", "initialized without threads (timers driven by the event loop)")
    }

    func checkCurl() -> CheckResult {
        guard NetworkLibraries.initialize() else { return CheckResult(.failed, "libcurl", "curl_global_init failed") }
        let backend = NetworkLibraries.curlTLSBackend
        guard backend.containsText("OpenSSL") else {
            return CheckResult(.failed, "libcurl", "built with \(backend); kvsmaster needs libcurl with OpenSSL")
        }
        return CheckResult(.ok, "libcurl", NetworkLibraries.curlVersion.split(separator: " ").prefix(2).joined(separator: " "))
    }

    func checkWebSockets() -> CheckResult {
        CheckResult(.ok, "libwebsockets", "version \(NetworkLibraries.webSocketsVersion)")
    }
}
