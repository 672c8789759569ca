import Foundation
import KVSMaster
import TestSupport
import Testing

/// Storage mode (WebRTC ingestion) against the emulator playing the KVS storage session.
@Suite(.serialized) struct MasterStorageTests {
    @Test func joinsTheStorageSessionAnswersItAndJoinsAgainWhenItEnds() throws {
        let stream = "arn:aws:kinesisvideo:us-west-2:123456789012:stream/camera-stream/1700000000000"
        let harness = try MasterHarness(emulatorArguments: ["--storage-stream", stream], setupTimeout: .seconds(5)) {
            $0.mode = .audioVideoStorage
        }
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        // JoinStorageSession makes the emulator's storage session send its offer (no senderClientId).
        #expect(poll(timeout: .seconds(10)) { (try? harness.emulator.stat("calls", "JoinStorageSession")) ?? 0 >= 1 },
            "no JoinStorageSession:\n\(harness.logText)")
        let (_, json) = try harness.emulator.admin("GET", "/storage/received?count=1&timeout=10")
        let messages = json["messages"] as? [[String: Any]] ?? []
        let answer = try #require(messages.first { $0["action"] as? String == "SDP_ANSWER" }, "no answer:\n\(harness.logText)")
        #expect(answer["correlationId"] as? String != nil, "the answer to the storage session carries a correlationId")
        let sdp = String(decoding: Data(base64Encoded: answer["messagePayload"] as? String ?? "") ?? Data(), as: UTF8.self)
        #expect(sdp.contains("a=ice-options:trickle"))
        #expect(!sdp.contains("typ host"), "the storage session gets no host candidates")
        // Its candidates are trickled, none of them host.
        let (_, later) = try harness.emulator.admin("GET", "/storage/received?count=3&timeout=5")
        for message in later["messages"] as? [[String: Any]] ?? [] where message["action"] as? String == "ICE_CANDIDATE" {
            let text = String(decoding: Data(base64Encoded: message["messagePayload"] as? String ?? "") ?? Data(), as: UTF8.self)
            #expect(!text.contains("typ host"))
            #expect(message["correlationId"] as? String != nil)
        }
        // This storage session never connects (the emulator plays only its signaling): when its
        // session ends (here: not connected within the 5 s setup timeout) the master joins again.
        #expect(poll(timeout: .seconds(20)) { (try? harness.emulator.stat("calls", "JoinStorageSession")) ?? 0 >= 2 },
            "the master did not join again after the storage session ended:\n\(harness.logText.suffix(3000))")
    }
}
