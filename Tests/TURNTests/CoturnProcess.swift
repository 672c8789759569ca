import TestSupport
import TURN
import WireKit

/// coturn on loopback for one test (``CoturnServer``), under the name these suites use.
typealias CoturnProcess = CoturnServer

extension CoturnServer {
    /// Where the TURN client sends: the UDP and TCP listening address.
    var server: SocketAddress { address }
}

/// A ``TURNClient`` driven by a real socket and the monotonic clock. `clockOffset` moves the
/// client's idea of time ahead to reach renewals without waiting minutes.
struct CoturnSession {
    var client: TURNClient
    let socket: LoopbackSocket
    var clockOffset: Duration = .zero
    var events: [TURNEvent] = []
    var sent: [[UInt8]] = []

    var now: Instant { monotonicNow() + clockOffset }

    mutating func flush() throws {
        while let transmit = client.pollTransmit() {
            sent.append(transmit.payload)
            try socket.send(transmit.payload, to: transmit.destination)
        }
    }

    /// Runs I/O and timers until an event matches, or `limit` of real time passes.
    mutating func drive(limit: Duration = .seconds(5), until match: (TURNEvent) -> Bool) throws -> TURNEvent? {
        let end = monotonicNow() + limit
        while true {
            try flush()
            while let event = client.pollEvent() {
                events.append(event)
                if match(event) { return event }
            }
            let remaining = end - monotonicNow()
            guard remaining > .zero else { return nil }
            let wait = client.pollTimeout().map { min(remaining, $0 - now) } ?? remaining
            if let received = try socket.receive(timeout: max(wait, .zero)) {
                client.handleReceived(received.bytes, now: now)
            } else {
                client.handleTimeout(now: now)
            }
        }
    }
}
