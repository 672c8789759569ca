import Foundation
import Glibc
import Testing
import WireKit

@testable import KVSMaster

/// The pieces of `kvsmaster doctor` that need no emulator: verdict rules, parsing, masking,
/// and the network probes against closed loopback ports.
@Suite struct DoctorCheckTests {
    @Test func clockVerdicts() {
        let date = "Sat, 21 Nov 2026 10:00:00 GMT"
        let tenMinutes = Doctor.clockVerdict(offsetSeconds: 600, serverDate: date)
        #expect(tenMinutes.verdict == .fail)
        #expect(tenMinutes.detail == "local clock 600 s behind KVS (server Date: \(date)); SigV4 rejects requests signed more than 5 min off")
        #expect(Doctor.clockVerdict(offsetSeconds: -301, serverDate: date).verdict == .fail)
        #expect(Doctor.clockVerdict(offsetSeconds: 300, serverDate: date).verdict == .warn)
        #expect(Doctor.clockVerdict(offsetSeconds: -90, serverDate: date).detail == "local clock 90 s ahead of KVS (server Date: \(date))")
        #expect(Doctor.clockVerdict(offsetSeconds: 60, serverDate: date).verdict == .pass)
        #expect(Doctor.clockVerdict(offsetSeconds: 0, serverDate: date).detail == "in step with KVS (server Date: \(date))")
    }

    @Test func resultLines() {
        #expect(DoctorResult.pass("stun", "public address 1.2.3.4").line == "PASS  stun           public address 1.2.3.4")
        #expect(
            DoctorResult.fail("clock", "off", fix: "use NTP").line == "FAIL  clock          off — fix: use NTP")
    }

    @Test func hostsAndPorts() throws {
        let v4 = try #require(Doctor.hostPort("kinesisvideo.us-west-2.amazonaws.com", defaultPort: 443))
        #expect(v4.host == "kinesisvideo.us-west-2.amazonaws.com" && v4.port == 443)
        let withPort = try #require(Doctor.hostPort("127.0.0.1:8443", defaultPort: 443))
        #expect(withPort.host == "127.0.0.1" && withPort.port == 8443)
        let v6 = try #require(Doctor.hostPort("[2001:db8::1]:9000", defaultPort: 443))
        #expect(v6.host == "2001:db8::1" && v6.port == 9000)
        #expect(Doctor.hostPort("host:99999", defaultPort: 443) == nil)
        #expect(Doctor.hostPort("", defaultPort: 443) == nil)
        let wss = try #require(Doctor.urlHostPort("wss://v-1234.kinesisvideo.us-west-2.amazonaws.com/path?x=1", defaultPort: 443))
        #expect(wss.host == "v-1234.kinesisvideo.us-west-2.amazonaws.com" && wss.port == 443)
    }

    @Test func pipelineElementNames() {
        let names = Doctor.elementNames(
            in: "v4l2src device=/dev/video0 ! video/x-raw,width=640 ! videoconvert ! x264enc tune=zerolatency ! "
                + "appsink name=video  audiotestsrc ! opusenc ! appsink name=audio")
        #expect(names == ["v4l2src", "videoconvert", "x264enc", "appsink", "audiotestsrc", "opusenc"])
    }

    @Test func keyIDsAreMasked() {
        #expect(Doctor.maskedKeyID("AKIAIOSFODNN7EXAMPLE") == "AKIA****")
    }

    @Test func certificatesAreCounted() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-ca-\(UUID().uuidString).pem")
        defer { try? FileManager.default.removeItem(at: file) }
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        try (pem + pem).write(to: file, atomically: true, encoding: .utf8)
        #expect(Doctor.certificateCount(inFile: file.path) == 2)
        #expect(Doctor.certificateCount(inFile: "/nonexistent") == 0)
    }

    /// A missing channel is no configuration error for doctor; a bad setting still is.
    @Test func resolutionWithoutAChannel() throws {
        let empty = try DaemonArguments.parse([])
        let doctor = try Doctor.resolve(arguments: empty, environment: ["AWS_DEFAULT_REGION": "eu-west-1"]).get()
        #expect(doctor.channelName == nil)
        #expect(doctor.environment["AWS_DEFAULT_REGION"] == "eu-west-1")
        let named = try Doctor.resolve(arguments: try DaemonArguments.parse(["cam", "video-only"]), environment: [:]).get()
        #expect(named.channelName == "cam")
        #expect(named.configuration.mode == .videoOnly)
        let bad = Doctor.resolve(arguments: empty, environment: ["AWS_KVS_LOG_LEVEL": "99"])
        guard case .failure(let error) = bad else {
            Issue.record("AWS_KVS_LOG_LEVEL=99 was accepted")
            return
        }
        print("doctor's configuration error: \(error)")
        #expect(error.description.contains("AWS_KVS_LOG_LEVEL"))
    }

    /// Closed loopback ports: the TCP probe is refused, the STUN probe gets ICMP port
    /// unreachable (or times out) — both end within the limit.
    @Test func probesOfClosedPortsFail() throws {
        let port = try Self.closedPort()
        let target = SocketAddress(ip: try #require(IPAddress("127.0.0.1")), port: port)
        let tcp = DoctorNetwork.connectTCP(target, limit: .seconds(2))
        #expect(tcp == .failure(.system("connect", ECONNREFUSED)))
        let started = ContinuousClock.now
        let stun = DoctorNetwork.stunBinding(target, limit: .seconds(2))
        print("STUN to a closed port: \(stun) after \(ContinuousClock.now - started)")
        guard case .failure = stun else {
            Issue.record("a closed port answered STUN: \(stun)")
            return
        }
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
