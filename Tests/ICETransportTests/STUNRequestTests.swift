import EventLoop
import ICE
import ICETransport
import SDP
import STUN
import Testing
import WireKit

extension ICETransportSuites {
    /// Binding requests sent by the test over a real UDP socket to a running transport's host
    /// socket (RFC 8445 §7.3, RFC 8489 §6.3.1, §9.1.3).
    @Suite struct STUNRequestTests {
        static let credentials = ICECredentials(ufrag: "srvUfrag", pwd: "serverPassword0123456789")

        static func request(username: String, extra: [STUNAttribute] = [], key: String) throws -> (STUNMessage, [UInt8]) {
            var rng = SystemRandomNumberGenerator()
            let message = STUNMessage(
                method: .binding, messageClass: .request, transactionID: .random(using: &rng),
                attributes: [.username(username), .priority(0x6E7F_1EFF), .iceControlling(42)] + extra)
            return (message, try message.encode(integrity: .shortTerm(password: key), fingerprint: true))
        }

        /// Runs `body` with a started controlled transport on 127.0.0.1 and a probe socket.
        static func withTarget(_ body: (TransportRig, Int, SocketAddress, ProbeSocket) async throws -> Void) async throws {
            try await withLoop { loop in
                let rig = TransportRig(loop: loop)
                var ice = ICEConfiguration()
                ice.includeLoopback = true
                let id = await rig.make(
                    role: .controlled, configuration: ICETransportConfiguration(ice: ice, localAddresses: [IPAddress("127.0.0.1")!]),
                    credentials: credentials)
                try await rig.start(id)
                let target = try #require(await rig.hostAddresses(id).first)
                let probe = try ProbeSocket(bindingTo: SocketAddress(ip: IPAddress("127.0.0.1")!, port: 0))
                try await body(rig, id, target, probe)
                await rig.closeAll()
            }
        }

        @Test func badMessageIntegrityGetsNoSuccess() async throws {
            try await Self.withTarget { rig, id, target, probe in
                let (sent, bytes) = try Self.request(username: "srvUfrag:peer", key: "notTheServerPassword0000")
                probe.send(bytes, to: target)
                let reply = try #require(probe.receive(timeout: .seconds(2)))
                let message = try STUNMessage(decoding: reply.bytes)
                #expect(message.transactionID == sent.transactionID)
                // RFC 8489 §9.1.3: a 401 without MESSAGE-INTEGRITY, never a success.
                #expect(message.messageClass == .error)
                #expect(message.errorCode?.code == 401)
                #expect(message.messageIntegrity == nil)
                #expect(message.mappedAddress == nil)
                #expect((await rig.agent(id))?.droppedDatagrams == 1)
                #expect((await rig.agent(id))?.remoteCandidates.isEmpty == true)
            }
        }

        @Test func unknownComprehensionRequiredAttributeGets420() async throws {
            try await Self.withTarget { rig, id, target, probe in
                let unknown = STUNAttributeType(0x7F31)
                let (sent, bytes) = try Self.request(
                    username: "srvUfrag:peer", extra: [.unknown(type: unknown, value: [1, 2, 3, 4])],
                    key: Self.credentials.pwd)
                probe.send(bytes, to: target)
                let reply = try #require(probe.receive(timeout: .seconds(2)))
                let message = try STUNMessage(decoding: reply.bytes)
                #expect(message.transactionID == sent.transactionID)
                #expect(message.messageClass == .error)
                #expect(message.errorCode?.code == 420)
                #expect(message.unknownAttributes == [unknown])
                #expect(STUNMessage.verifyIntegrity(of: reply.bytes, key: .shortTerm(password: Self.credentials.pwd)))
                #expect((await rig.agent(id))?.remoteCandidates.isEmpty == true)
            }
        }

        /// The control case: the same request, valid, gets a success naming the probe's address.
        @Test func validRequestGetsSuccessWithMappedAddress() async throws {
            try await Self.withTarget { rig, id, target, probe in
                let (sent, bytes) = try Self.request(username: "srvUfrag:peer", key: Self.credentials.pwd)
                probe.send(bytes, to: target)
                let reply = try #require(probe.receive(timeout: .seconds(2)))
                let message = try STUNMessage(decoding: reply.bytes)
                #expect(message.transactionID == sent.transactionID)
                #expect(message.messageClass == .success)
                #expect(message.mappedAddress == probe.localAddress)
                #expect(STUNMessage.verifyIntegrity(of: reply.bytes, key: .shortTerm(password: Self.credentials.pwd)))
                #expect(STUNMessage.verifyFingerprint(of: reply.bytes))
                // The unknown source became a peer-reflexive remote candidate (RFC 8445 §7.3.1.3).
                let remote = try #require(await rig.agent(id)).remoteCandidates
                #expect(remote.map(\.address) == [probe.localAddress])
                #expect(remote.first?.kind == .peerReflexive)
            }
        }
    }
}
