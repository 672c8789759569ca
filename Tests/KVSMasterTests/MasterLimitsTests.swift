import Foundation
import KVSMaster
import TestSupport
import Testing

/// Viewer limits and bad offers, played through the emulator's virtual viewers (the master
/// cannot tell them from real ones: they arrive over its signaling WebSocket).
@Suite(.serialized) struct MasterLimitsTests {
    static var fixtureOffer: String {
        get throws {
            let url = ViewerProcess.repositoryRoot.deletingLastPathComponent()
                .appendingPathComponent("shared/fixtures/sdp/chromium-156-viewer-offer.sdp")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    /// Sends an SDP_OFFER as `clientId` through the emulator.
    static func offer(_ harness: MasterHarness, from clientId: String, sdp: String) throws {
        let payload = try JSONSerialization.data(withJSONObject: ["type": "offer", "sdp": sdp])
        let (status, _) = try harness.emulator.admin(
            "POST", "/viewer/\(clientId)/send", ["action": "SDP_OFFER", "payload": String(decoding: payload, as: UTF8.self)])
        #expect(status == 200, "the emulator did not deliver the offer of \(clientId)")
    }

    /// The SDP answers the master sent to `clientId` (waits up to `timeout` for `count`).
    static func answers(_ harness: MasterHarness, to clientId: String, count: Int = 1, timeout: Double = 5) throws -> Int {
        let (_, json) = try harness.emulator.admin("GET", "/viewer/\(clientId)/received?count=\(count)&timeout=\(timeout)")
        let messages = json["messages"] as? [[String: Any]] ?? []
        return messages.filter { $0["action"] as? String == "SDP_ANSWER" }.count
    }

    @Test func theEleventhViewerIsRefusedWithALogLineAndNoSession() throws {
        let harness = try MasterHarness()
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let sdp = try Self.fixtureOffer
        for index in 1...10 { try Self.offer(harness, from: "viewer-\(index)", sdp: sdp) }
        for index in 1...10 {
            #expect(try Self.answers(harness, to: "viewer-\(index)") == 1, "viewer-\(index) got no answer")
        }
        #expect(harness.master.inspect { $0.viewerCount } == 10)
        try Self.offer(harness, from: "viewer-11", sdp: sdp)
        #expect(poll(timeout: .seconds(5)) { harness.log.contains("refusing the offer from viewer viewer-11") })
        #expect(try Self.answers(harness, to: "viewer-11", timeout: 1) == 0)
        #expect(harness.master.inspect { $0.viewerCount } == 10)
        #expect(harness.master.inspect { $0.masterCounters.offersRefused } == 1)
        // A new offer from a known viewer replaces its session: still 10, and it is answered again.
        try Self.offer(harness, from: "viewer-3", sdp: sdp)
        #expect(try Self.answers(harness, to: "viewer-3", count: 2) == 2)
        #expect(harness.master.inspect { $0.viewerCount } == 10)
        #expect(harness.log.contains("viewer viewer-3 sent a new offer: replacing its session"))
    }

    @Test(arguments: [
        ("not an sdp at all", "malformed SDP offer"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n", "unusable SDP offer"),
    ])
    func aBadOfferGetsNoAnswerAndALogLine(sdp: String, logged: String) throws {
        let harness = try MasterHarness()
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        try Self.offer(harness, from: "bad-viewer", sdp: sdp)
        #expect(poll(timeout: .seconds(5)) { harness.log.contains(logged) }, "no log line:\n\(harness.logText)")
        #expect(try Self.answers(harness, to: "bad-viewer", timeout: 1) == 0)
        #expect(harness.master.inspect { $0.viewerCount } == 0)
        // The master keeps serving: a good offer afterwards is answered.
        try Self.offer(harness, from: "good-viewer", sdp: try Self.fixtureOffer)
        #expect(try Self.answers(harness, to: "good-viewer") == 1)
    }
}
