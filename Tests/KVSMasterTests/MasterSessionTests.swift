import Foundation
import KVSMaster
import Testing

/// The master against the local KVS emulator with real aiortc viewers: sessions, data
/// channels, limits and bad offers.
@Suite(.serialized) struct MasterSessionTests {
    @Test func viewerConnectsAndDataChannelRepliesArrive() throws {
        let harness = try MasterHarness()
        defer { harness.stop() }
        #expect(harness.waitConnected(), "signaling did not connect:\n\(harness.logText)")
        let viewer = try harness.startViewer("viewer-1", arguments: ["--messages", "5", "--duration", "2", "--timeout", "15"])
        #expect(viewer.waitConnected(timeout: .seconds(20)), "viewer did not connect:\n\(harness.logText)\n\(viewer.stderrText)")
        let replied = viewer.wait(timeout: .seconds(10)) { $0["event"] as? String == "stats" && $0.int("replies") >= 5 }
        #expect(replied != nil, "the master did not reply to 5 data-channel messages:\n\(harness.logText)")
        #expect(harness.dataChannelMessages.value >= 5)
    }
}
