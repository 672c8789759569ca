import DataChannel

/// Two associations joined in memory: each one's outbound packets are fed to the other, with
/// optional loss, and usrsctp's timers advance on a virtual clock whenever the link is idle.
final class AssociationPair {
    let a: SCTPAssociation
    let b: SCTPAssociation
    var eventsA: [DataChannelEvent] = []
    var eventsB: [DataChannelEvent] = []
    /// Decides for each packet A sends (numbered from 0) whether the link loses it.
    var dropFromA: (Int, [UInt8]) -> Bool = { _, _ in false }
    var dropFromB: (Int, [UInt8]) -> Bool = { _, _ in false }
    private(set) var sentByA = 0
    private(set) var sentByB = 0
    private(set) var virtualMilliseconds = 0

    init(a configA: SCTPConfiguration = SCTPConfiguration(role: .client),
         b configB: SCTPConfiguration = SCTPConfiguration(role: .server)) throws {
        a = try SCTPAssociation(configuration: configA)
        b = try SCTPAssociation(configuration: configB)
    }

    /// Moves packets both ways until neither side has any; returns how many moved.
    @discardableResult
    func exchange() -> Int {
        var moved = 0
        var progress = true
        while progress {
            progress = false
            while let packet = a.pollTransmit() {
                let index = sentByA
                sentByA += 1
                moved += 1
                progress = true
                if !dropFromA(index, packet) { b.handle(packet: packet) }
            }
            while let packet = b.pollTransmit() {
                let index = sentByB
                sentByB += 1
                moved += 1
                progress = true
                if !dropFromB(index, packet) { a.handle(packet: packet) }
            }
        }
        collectEvents()
        return moved
    }

    func collectEvents() {
        while let event = a.pollEvent() { eventsA.append(event) }
        while let event = b.pollEvent() { eventsB.append(event) }
    }

    /// Runs the link (advancing virtual time by `tick` ms whenever it goes idle) until
    /// `condition` holds or `maxVirtualMilliseconds` pass. Returns whether the condition held.
    @discardableResult
    func run(tick: UInt32 = 10, maxVirtualMilliseconds: Int = 30_000, until condition: () -> Bool) -> Bool {
        let deadline = virtualMilliseconds + maxVirtualMilliseconds
        while true {
            exchange()
            if condition() { return true }
            if virtualMilliseconds >= deadline { return false }
            SCTPLibrary.handleTimers(elapsedMilliseconds: tick)
            virtualMilliseconds += Int(tick)
        }
    }

    /// Like ``run(tick:maxVirtualMilliseconds:until:)`` but feeds usrsctp the real elapsed time,
    /// which its retransmission timers need (they check the wall clock before resending).
    /// Busy-polls the link; for tests that must see a retransmission timeout.
    @discardableResult
    func runInRealTime(maxMilliseconds: Int = 5_000, until condition: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        var reported = 0
        while true {
            exchange()
            if condition() { return true }
            let elapsed = Int((clock.now - start) / .milliseconds(1))
            if elapsed >= maxMilliseconds { return false }
            if elapsed > reported {
                SCTPLibrary.handleTimers(elapsedMilliseconds: UInt32(elapsed - reported))
                virtualMilliseconds += elapsed - reported
                reported = elapsed
            }
        }
    }

    func connect() -> Bool {
        run { eventsA.contains(.associationUp) && eventsB.contains(.associationUp) }
    }
}
