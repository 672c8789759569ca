import EventLoop
import ICE
import ICETransport
import Signaling
import TURN
import WireKit

extension Doctor {
    /// A TURN allocation (RFC 8656 §7) with the credentials GetIceServerConfig just handed out,
    /// over UDP or over TLS (`turns:`, verified against the CA bundle as the daemon does), then
    /// released. Run on a loop of its own, bounded by ``timeout``.
    func checkTURNAllocation(_ findings: Findings, transport: TransportProtocol) -> DoctorResult {
        let name = transport == .tls ? "turn-tls" : "turn-udp"
        guard let config = findings.iceServers else { return .warn(name, "skipped: no TURN servers (needs ice-config)") }
        let plan = ICEServerResolver.plan(config, turnIndex: configuration.iceServerIndex)
        let scheme = transport == .tls ? "turns:" : "turn: over UDP"
        guard let entry = plan.turn.first(where: { $0.url.transport == transport }) else {
            return .warn(name, "skipped: GetIceServerConfig listed no \(scheme) URI")
        }
        let resolved = ICEServerResolver.resolve(
            ICEServerResolver.Plan(stunHosts: [], turn: [entry]), includeIPv6: true)
        let url = entry.url
        guard let server = resolved.turnServers.first else { return .warn(name, "skipped: \(url.host) does not resolve") }
        let trust: TLSTrustStore =
            switch findings.bundle?.store {
            case .file(let path)?: .caFile(path)
            case .directory(let path)?: .caDirectory(path)
            case .libraryDefault?, nil: .system
            }
        switch Self.allocate(on: server, trust: trust, limit: timeout) {
        case .success(let (relayed, mapped, lifetime)):
            let reflexive = mapped.map { ", public address \($0)" } ?? ""
            return .pass(
                name, "allocated relay \(relayed) on \(server.address)\(reflexive), lifetime \(lifetime.components.seconds) s")
        case .failure(let reason):
            let fix =
                transport == .tls
                ? "allow outbound TCP \(server.address.port) to \(url.host); if the certificate did not verify, the CA bundle must hold the TURN server's CA"
                : "allow outbound UDP \(server.address.port) to \(url.host); where UDP is blocked viewers need TURN over TLS"
            return .fail(name, "\(server.address): \(reason)", fix: fix)
        }
    }

    /// Keeps the transport alive on its loop until the check is over.
    final class TransportHolder: @unchecked Sendable {
        var transport: ICETransport?
    }

    typealias Allocation = (relayed: SocketAddress, mapped: SocketAddress?, lifetime: Duration)

    /// One relay-only ICE transport whose single relay allocates; the first outcome wins.
    static func allocate(on server: ICETURNServer, trust: TLSTrustStore, limit: Duration) -> Result<Allocation, AllocationError> {
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "kvsmaster-doctor")
        } catch {
            return .failure(AllocationError(text: "cannot start an event loop: \(error)"))
        }
        defer {
            loop.stop()
            loop.join()
        }
        var ice = ICEConfiguration()
        ice.policy = .relay
        var configuration = ICETransportConfiguration(ice: ice, localAddresses: [], turnServers: [server])
        configuration.tlsTrust = trust
        let settings = configuration
        let holder = TransportHolder()
        let outcome = DoctorNetwork.awaitCompletion(limit) { (done: @escaping @Sendable (Result<Allocation, AllocationError>) -> Void) in
            _ = loop.execute {
                let transport = ICETransport(role: .controlling, configuration: settings, loop: loop)
                transport.onEvent = { event in
                    switch event {
                    case .relay(_, .allocated(let relayed, let mapped, let lifetime)): done(.success((relayed, mapped, lifetime)))
                    case .relay(_, .allocationFailed(let failure)): done(.failure(AllocationError(text: "allocation failed: \(failure)")))
                    case .relayUnavailable(_, let error): done(.failure(AllocationError(text: error.description)))
                    default: break
                    }
                }
                holder.transport = transport
                do {
                    try transport.start()
                } catch {
                    done(.failure(AllocationError(text: "cannot start: \(error)")))
                }
            }
        }
        // Releases the allocation (Refresh with LIFETIME 0) before the loop stops.
        _ = DoctorNetwork.awaitCompletion(.seconds(1)) { (done: @escaping @Sendable (Bool) -> Void) in
            _ = loop.execute {
                holder.transport?.close()
                holder.transport = nil
                done(true)
            }
        }
        return outcome ?? .failure(AllocationError(text: "no answer within \(limit)"))
    }

    struct AllocationError: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
