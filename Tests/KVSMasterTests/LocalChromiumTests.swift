import Foundation
import KVSMaster
import TestSupport
import Testing
import WireKit

/// Headless Chromium (in a network namespace: it ignores loopback candidates) opens the page
/// `--local` serves on the veth host address, with the token, exactly as a user would: the
/// page signals by itself. The video must play and be visible in a screenshot.
@Suite(.serialized) struct LocalChromiumTests {
    @Test func chromiumPlaysTheLocalViewerPage() throws {
        try ChromiumPrerequisites.check()
        let namespace = try VethNamespace()
        defer { namespace.remove() }
        let harness = try LocalHarness(
            listen: SocketAddress("\(namespace.hostAddress):0")!, environment: ["KVSMASTER_ICE_ADDRESSES": namespace.hostAddress])
        defer { harness.stop() }
        let url = harness.server.viewerURL
        #expect(url.contains("?token="))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvs-local-shot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let screenshot = directory.appendingPathComponent("page.png").path
        let viewer = try ChromiumViewer(
            in: namespace,
            arguments: [
                "--url", url, "--screenshot", screenshot, "--screenshot-after", "45", "--window-size", "1280,900",
                "--stats-interval", "0.25", "--timeout", "45",
            ])
        defer { viewer.stop() }
        let pageUp = try #require(viewer.event("stats", timeout: .seconds(30)), "the page never reported stats: \(viewer.diagnostics)")
        let loaded = ContinuousClock.now
        _ = pageUp
        let decoding = viewer.next(timeout: .seconds(10)) { $0["event"] as? String == "stats" && ($0["framesDecoded"] as? Int ?? 0) > 0 }
        let firstFrame = ContinuousClock.now - loaded
        #expect(decoding != nil, "no frame decoded within 10 s of the page loading:\n\(viewer.diagnostics)\n\(harness.logText.suffix(3000))")
        print("local page in Chromium: first decoded frame \(firstFrame) after the page reported stats")
        // The page's data-channel box: a message out, the master's reply back.
        try viewer.send(["type": "evaluate", "expression": "kvsmasterSend('hello from the page')"])
        let sent = viewer.event("evaluated", timeout: .seconds(10))
        #expect(sent?["value"] as? Bool == true, "the page could not send on its data channel: \(viewer.diagnostics)")
        let replied = viewer.next(timeout: .seconds(10)) { $0["event"] as? String == "stats" && ($0["messagesReceived"] as? Int ?? 0) >= 1 }
        #expect(replied != nil, "no data-channel reply shown on the page")
        #expect(poll(timeout: .seconds(5)) { harness.logText.contains(": hello from the page") }, "\(harness.logText.suffix(2000))")
        let shot = try #require(viewer.event("screenshot", timeout: .seconds(20)), "no screenshot: \(viewer.diagnostics)")
        let stats = viewer.take { $0["event"] as? String == "stats" }.last ?? decoding ?? [:]
        print("local page stats: \(stats)")
        #expect(stats.int("frameWidth") == 640 && stats.int("frameHeight") == 480)
        #expect(stats["localCandidateType"] is String, "no selected pair in the page stats")
        #expect(stats["remoteCandidateType"] as? String == "host")
        let rect = try #require(shot["rect"] as? [String: Any], "no video rectangle: \(shot)")
        let scale = rect.double("dpr") > 0 ? rect.double("dpr") : 1
        // The middle of the video box (its edges may be letterboxed).
        let (x, y) = (rect.double("x") * scale, rect.double("y") * scale)
        let (width, height) = (rect.double("width") * scale, rect.double("height") * scale)
        let region = [x + width * 0.1, y + height * 0.1, width * 0.8, height * 0.8].map { String(Int($0)) }
        let script = ViewerProcess.repositoryRoot.appendingPathComponent("Tests/Support/Local/png_region.py").path
        let (status, output, errors) = try ScriptProcess.run(ChromiumPaths.python, [script, screenshot] + region)
        #expect(status == 0, "png_region.py failed: \(errors)")
        let pixels = try #require(
            try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any], "png_region.py printed \(String(decoding: output, as: UTF8.self))")
        print("local page screenshot: video region \(region.joined(separator: " ")): \(pixels)")
        #expect(pixels.int("pixels") > 10_000, "the video box is tiny: \(rect)")
        #expect(pixels.int("distinctColors") >= 50, "the video area is flat: \(pixels)")
        #expect(pixels.double("nonBlack") >= 0.5, "the video area is mostly black: \(pixels)")
    }
}
