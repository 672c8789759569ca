import SDP
import STUN
import WireKit

/// Why an agent reached `failed` (RFC 8445 §8.1.2, RFC 7675 §5.1).
public enum ICEFailureReason: Hashable, Sendable {
    /// No valid pair within ``ICEConfiguration/connectivityCheckTimeout``.
    case connectivityCheckTimeout
    /// A valid pair, but none selected within ``ICEConfiguration/nominationTimeout``.
    case nominationTimeout
    /// Every pair failed after both sides finished gathering (RFC 8445 §8.1.2 Failed).
    case allPairsFailed
    /// No consent response for ``ICEConfiguration/consentTimeout`` (RFC 7675 §5.1): the
    /// selected pair is dropped and nothing more may be sent on it.
    case consentLost
}

/// A sans-IO ICE agent (RFC 8445 full implementation, one data stream with one component as
/// WebRTC uses under BUNDLE and rtcp-mux; trickle per RFC 8838; consent freshness per
/// RFC 7675).
///
/// Inputs: local addresses and relay allocations, remote credentials and candidates, STUN
/// datagrams with the addresses they travelled between, and `now`. Outputs, drained with
/// ``pollOutput()``: datagrams to send (directly or through a relay) and events. The agent
/// wants ``handleTimeout(now:)`` at ``pollTimeout()``.
public struct ICEAgent: Sendable {
    public let configuration: ICEConfiguration
    public internal(set) var role: ICERole
    /// The 64-bit tie-breaker of role conflicts (RFC 8445 §7.1.3, §7.3.1.1).
    public internal(set) var tieBreaker: UInt64
    public internal(set) var localCredentials: ICECredentials
    public internal(set) var remoteCredentials: ICECredentials?
    public internal(set) var localCandidates: [ICECandidate] = []
    public internal(set) var remoteCandidates: [ICECandidate] = []
    /// The checklist, highest priority first (RFC 8445 §6.1.2.5), valid pairs included.
    public internal(set) var pairs: [CandidatePair] = []
    public internal(set) var connectionState: ICEConnectionState = .new
    public internal(set) var selectedPair: ICESelectedPair?
    public internal(set) var failureReason: ICEFailureReason?
    /// When a non-STUN datagram last arrived on the selected pair. RFC 7675 §5.1 lets only
    /// authenticated STUN responses refresh consent, so this is for statistics only.
    public internal(set) var lastDataReceived: Instant?
    /// Datagrams dropped because they were not valid STUN, failed authentication or matched
    /// no transaction.
    public internal(set) var droppedDatagrams = 0

    var gathering: GatheringPhase = .idle
    var pendingRelays: Set<RelayID> = []
    var localPreferences: [IPAddress: UInt16] = [:]
    var remoteEndOfCandidates = false
    var transactions: [STUNTransaction] = []
    var triggeredQueue: [Int] = []
    var nextPacing: Instant?
    var checking: CheckingPhase = .idle
    /// The pair id of the selection made in the current ICE generation (nil after a restart
    /// until a new pair is selected; ``selectedPair`` stays meanwhile).
    var selectedPairID: Int?
    var consent: ConsentTimer?
    var nextPairID = 0
    var isClosed = false
    var rng: any RandomNumberGenerator & Sendable
    var outputs: [ICEOutput] = []
    var outputHead = 0

    /// - Parameters:
    ///   - role: controlled for the answerer (kvsmaster answers viewers' offers).
    ///   - credentials: local ufrag and password; fresh random ones when nil.
    ///   - rng: the source of transaction ids, tie-breaker, credentials and consent jitter. Pass
    ///     KVSCrypto's `SecureRandom` in production, a seeded `SplitMix64` in tests.
    public init(
        role: ICERole, configuration: ICEConfiguration = ICEConfiguration(), credentials: ICECredentials? = nil,
        rng: some RandomNumberGenerator & Sendable
    ) {
        var rng = rng
        self.role = role
        self.configuration = configuration
        self.tieBreaker = rng.next()
        self.localCredentials = credentials ?? .random(using: &rng)
        self.rng = rng
    }

    // MARK: - Outputs

    /// The next datagram or event, in the order they were produced.
    public mutating func pollOutput() -> ICEOutput? {
        guard outputHead < outputs.count else { return nil }
        let output = outputs[outputHead]
        outputHead += 1
        if outputHead == outputs.count {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
        }
        return output
    }

    /// When ``handleTimeout(now:)`` is next due; nil when nothing is scheduled.
    public func pollTimeout() -> Instant? {
        guard !isClosed else { return nil }
        var deadlines: [Instant?] = transactions.map(\.nextEvent)
        if case .gathering(let deadline) = gathering { deadlines.append(deadline) }
        if hasCheckToSend { deadlines.append(nextPacing ?? .zero) }
        deadlines.append(contentsOf: checkingDeadlines())
        if let consent { deadlines.append(contentsOf: consent.deadlines(configuration)) }
        return deadlines.compactMap { $0 }.min()
    }

    mutating func emit(_ event: ICEEvent) { outputs.append(.event(event)) }

    /// Sends from a local base: directly, or through the relay when the base is relayed.
    mutating func send(_ payload: [UInt8], from base: SocketAddress, relay: RelayID?, to destination: SocketAddress) {
        if let relay {
            outputs.append(.relayTransmit(RelayTransmit(relay: relay, peer: destination, payload: payload)))
        } else {
            outputs.append(.transmit(Transmit(source: base, destination: destination, payload: payload)))
        }
    }

    // MARK: - Lifecycle

    /// Stops everything: no more checks, consent or events except `closed`.
    public mutating func close() {
        guard !isClosed else { return }
        isClosed = true
        transactions.removeAll()
        triggeredQueue.removeAll()
        consent = nil
        updateConnectionState()
    }

    /// Non-STUN data arrived on a pair. It does not refresh consent (RFC 7675 §5.1 counts only
    /// authenticated Binding responses); it is recorded for statistics.
    public mutating func dataReceived(from remote: SocketAddress, to local: SocketAddress, now: Instant) {
        guard let selectedPair, selectedPair.remote.address == remote, selectedPair.local.base == local else { return }
        lastDataReceived = now
    }

    // MARK: - Connection state (the one place it changes)

    /// Derives the state from the checklist, the selection and consent, and reports changes.
    mutating func updateConnectionState() {
        let next: ICEConnectionState
        if isClosed {
            next = .closed
        } else if failureReason != nil {
            next = .failed
        } else if selectedPair != nil {
            if consent?.isDisconnected == true {
                next = .disconnected
            } else if selectedPairID != nil, gathering == .complete, remoteEndOfCandidates {
                next = .completed
            } else {
                next = .connected
            }
        } else if case .running = checking {
            next = .checking
        } else {
            next = connectionState == .new ? .new : .checking
        }
        guard next != connectionState else { return }
        // Applications wait for `connected`: report it even when completion comes at once.
        if next == .completed, connectionState != .connected, connectionState != .disconnected {
            connectionState = .connected
            emit(.connectionStateChanged(.connected))
        }
        connectionState = next
        emit(.connectionStateChanged(next))
    }

    mutating func fail(_ reason: ICEFailureReason, now: Instant) {
        guard failureReason == nil else { return }
        failureReason = reason
        triggeredQueue.removeAll()
        transactions.removeAll { !$0.purpose.isGathering }
        consent = nil
        checking = .idle
        updateConnectionState()
    }
}

extension ICEAgent: CustomStringConvertible {
    /// A summary without credentials or generator state: descriptions end up in logs.
    public var description: String {
        "ICEAgent(\(role), \(connectionState), local ufrag \(localCredentials.ufrag), \(localCandidates.count) local / "
            + "\(remoteCandidates.count) remote candidates, \(pairs.count) pairs, selected: "
            + (selectedPair.map { "\($0)" } ?? "none") + ")"
    }
}

/// Where gathering stands (RFC 8445 §5.1.1, RFC 8838 §4.3).
enum GatheringPhase: Hashable, Sendable {
    case idle
    case gathering(deadline: Instant)
    case complete
}

/// Where the checks of the current ICE generation stand (RFC 8445 §6.1.2, §8).
enum CheckingPhase: Hashable, Sendable {
    case idle
    /// Checks run since `started`; `firstValid` once a pair is valid; `nominating` the valid
    /// pair the controlling agent is nominating.
    case running(started: Instant, firstValid: Instant?, nominating: Int?)
    /// A pair is selected: only triggered checks still run.
    case done
}

/// Consent freshness of the selected pair (RFC 7675 §5.1).
struct ConsentTimer: Hashable, Sendable {
    var lastResponse: Instant
    var nextCheck: Instant
    /// No response for ``ICEConfiguration/disconnectedTimeout``: reported as `disconnected`.
    var isDisconnected = false

    func deadlines(_ configuration: ICEConfiguration) -> [Instant?] {
        [nextCheck, isDisconnected ? nil : lastResponse + configuration.disconnectedTimeout,
         lastResponse + configuration.consentTimeout]
    }
}
