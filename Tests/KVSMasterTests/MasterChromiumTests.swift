import Foundation
import KVSMaster
import Media
import TestSupport
import Testing

/// Headless Chromium (in a network namespace: it ignores loopback candidates) as a viewer of the
/// master. Its signaling goes through the KVS emulator: the test carries Chromium's offer and
/// candidates to the emulator's viewer API and the master's answer and candidates back.
@Suite(.serialized) struct MasterChromiumTests {
    @Test func chromiumDecodesTheMastersH264Stream() throws {
        try ChromiumPrerequisites.check()
        let namespace = try VethNamespace()
        defer { namespace.remove() }
        let (source, stream) = try MasterStreamingTests.annexBSource()
        defer { try? FileManager.default.removeItem(at: stream.deletingLastPathComponent()) }
        let harness = try MasterHarness(source: source, environment: ["KVSMASTER_ICE_ADDRESSES": namespace.hostAddress])
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let viewer = try ChromiumViewer(in: namespace, arguments: ["--trickle", "--video", "--audio", "--h264", "--messages", "3"])
        defer { viewer.stop() }
        let offer = try #require(viewer.next(timeout: .seconds(30)) { $0["type"] as? String == "offer" }, "no offer from Chromium: \(viewer.diagnostics)")
        let started = ContinuousClock.now
        try send(harness, "SDP_OFFER", ["type": "offer", "sdp": offer["sdp"] as? String ?? ""])
        var delivered = 0
        var firstDecoded: Duration?
        var decoded = 0
        while ContinuousClock.now - started < .seconds(30) {
            for line in viewer.take(where: { $0["type"] as? String == "candidate" }) {
                guard let text = line["candidate"] as? String, !text.isEmpty else { continue }
                var payload: [String: Any] = ["candidate": text]
                if let mid = line["sdpMid"] as? String { payload["sdpMid"] = mid }
                if let index = line["sdpMLineIndex"] as? Int { payload["sdpMLineIndex"] = index }
                try send(harness, "ICE_CANDIDATE", payload)
            }
            let (_, json) = try harness.emulator.admin("GET", "/viewer/chromium/received?count=\(delivered + 1)&timeout=0.2")
            let messages = json["messages"] as? [[String: Any]] ?? []
            for message in messages.dropFirst(delivered) {
                let encoded = message["messagePayload"] as? String ?? ""
                let payload = (try? JSONSerialization.jsonObject(with: Data(base64Encoded: encoded) ?? Data())) as? [String: Any] ?? [:]
                switch message["action"] as? String {
                case "SDP_ANSWER": try viewer.send(["type": "answer", "sdp": payload["sdp"] as? String ?? ""])
                case "ICE_CANDIDATE":
                    try viewer.send(["type": "candidate", "candidate": payload["candidate"] as? String ?? "", "sdpMid": payload["sdpMid"] as? String ?? "0"])
                default: break
                }
            }
            delivered = messages.count
            for stats in viewer.take(where: { $0["event"] as? String == "stats" }) {
                decoded = stats["framesDecoded"] as? Int ?? decoded
                if decoded > 0, firstDecoded == nil { firstDecoded = ContinuousClock.now - started }
            }
            if let firstDecoded, ContinuousClock.now - started > firstDecoded + .seconds(5) { break }
        }
        print("chromium: first decoded frame \(firstDecoded.map { "\($0)" } ?? "never") after the offer; \(decoded) frames decoded")
        #expect(firstDecoded != nil, "Chromium decoded nothing:\n\(viewer.diagnostics)\n\(harness.logText.suffix(4000))")
        #expect(decoded > 100, "Chromium decoded \(decoded) frames in 5 s")
        #expect(harness.dataChannelMessages.value == 3)
    }

    func send(_ harness: MasterHarness, _ action: String, _ payload: [String: Any]) throws {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let (status, _) = try harness.emulator.admin("POST", "/viewer/chromium/send", ["action": action, "payload": text])
        #expect(status == 200, "the emulator did not deliver \(action)")
    }
}
