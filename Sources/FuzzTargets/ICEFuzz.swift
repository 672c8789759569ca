import ICE
import SDP
import STUN
import WireKit

/// Datagrams into a controlled ICE agent that is checking one pair. The invariant: the agent never
/// answers a request with a success response unless the request carries a valid
/// MESSAGE-INTEGRITY for the local password (RFC 8445 §7.3, RFC 8489 §9.1.3).
public enum ICEFuzz {
    static let local = ICECredentials(ufrag: "LOCL", pwd: "localpassword0123456789")
    static let remote = ICECredentials(ufrag: "REMO", pwd: "remotepassword012345678")
    static let host = SocketAddress(ip: .v4(IPv4Address(192, 0, 2, 1)), port: 5000)
    static let peer = SocketAddress(ip: .v4(IPv4Address(192, 0, 2, 2)), port: 6000)

    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        var agent = ICEAgent(role: .controlled, credentials: local, rng: SplitMix64(seed: 1))
        let now = Instant(nanoseconds: 1_000_000_000)
        agent.startGathering(localAddresses: [host], now: now)
        agent.setRemoteCredentials(remote, now: now)
        while agent.pollOutput() != nil {}
        agent.handleDatagram(data, from: peer, to: host, now: now)
        let authentic = STUNMessage.verifyIntegrity(of: data, key: .shortTerm(password: local.pwd))
        var answered = false
        while let output = agent.pollOutput() {
            guard case .transmit(let transmit) = output,
                let reply = try? STUNMessage(decoding: transmit.payload), reply.messageClass == .success
            else { continue }
            answered = true
            if !authentic { return .invariantViolated("success response to a request without valid integrity") }
        }
        return answered || (try? STUNMessage(decoding: data)) != nil ? .accepted : .rejected
    }

    static var seeds: [[UInt8]] {
        let request = STUNMessage(
            method: .binding, messageClass: .request, transactionID: TransactionID(high: 1, low: 2),
            attributes: [.username("LOCL:REMO"), .priority(1_862_270_975), .iceControlling(7), .useCandidate])
        let unsigned = STUNMessage(
            method: .binding, messageClass: .request, transactionID: TransactionID(high: 3, low: 4),
            attributes: [.username("LOCL:REMO"), .priority(5), .iceControlling(9)])
        return [
            (try? request.encode(integrity: .shortTerm(password: local.pwd), fingerprint: true)) ?? [],
            (try? unsigned.encode(fingerprint: true)) ?? [],
        ].filter { !$0.isEmpty }
    }
}
