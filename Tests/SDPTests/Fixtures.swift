import Foundation
import Testing

/// The real offers in `<repo root>/../shared/fixtures/sdp/`.
enum Fixtures {
    static let names = [
        "aiortc-1.16-offer.sdp",
        "chromium-156-sendrecv-offer.sdp",
        "chromium-156-viewer-offer.sdp",
        "gstreamer-1.22-webrtcbin-offer.sdp",
    ]

    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SDPTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/sdp", isDirectory: true)
    }

    static func text(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("SDP fixture missing: \(url.path) (expected the shared fixtures folder beside the repository)")
            throw FixtureMissing()
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The text with every line ending made CRLF and a final CRLF ensured.
    static func normalized(_ text: String) -> String {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    struct FixtureMissing: Error {}
}
