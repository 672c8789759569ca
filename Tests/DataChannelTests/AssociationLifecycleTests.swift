import DataChannel
import Testing

/// Closing channels and associations (RFC 8831 §6.7, RFC 9260 §9) and refused sends.
extension UsrsctpTests {
    @Suite struct AssociationLifecycleTests {
        static func openPair(label: String = "c") throws -> (AssociationPair, UInt16) {
            let pair = try AssociationPair()
            #expect(pair.connect())
            let stream = try pair.a.openChannel(DataChannelParameters(label: label))
            #expect(pair.run { pair.eventsA.count == 2 && pair.eventsB.count == 2 })
            return (pair, stream)
        }

        @Test func channelClosedByEitherSideResetsBothStreamsAndFreesTheId() throws {
            let (pair, stream) = try Self.openPair()
            try pair.a.send(text: "last", on: stream)
            pair.a.closeChannel(stream)
            #expect(throws: SCTPError.channelNotOpen(stream)) { try pair.a.send(text: "late", on: stream) }
            #expect(pair.run { pair.a.channels.isEmpty && pair.b.channels.isEmpty })
            // The message queued before the close arrives before the channel closes.
            #expect(Array(pair.eventsB.suffix(2)) == [
                .message(channel: stream, data: Array("last".utf8), isBinary: false), .channelClosed(channel: stream),
            ])
            #expect(pair.eventsA.last == .channelClosed(channel: stream))
            #expect(throws: SCTPError.channelNotOpen(stream)) { try pair.b.send(text: "late", on: stream) }
            #expect(pair.a.statistics.sendErrors == 0)

            // The stream id is free again, and this time the peer closes.
            let again = try pair.a.openChannel(DataChannelParameters(label: "again"))
            #expect(again == stream)
            #expect(pair.run { pair.b.isChannelOpen(again) && pair.a.channel(again) != nil })
            pair.eventsA.removeAll()
            pair.eventsB.removeAll()
            pair.b.closeChannel(again)
            #expect(pair.run { pair.a.channels.isEmpty && pair.b.channels.isEmpty })
            #expect(pair.eventsA.filter { $0 == .channelClosed(channel: again) }.count == 1)
            #expect(pair.eventsB.filter { $0 == .channelClosed(channel: again) }.count == 1)
            #expect(pair.a.state == .established)
        }

        @Test func gracefulAssociationCloseReachesBothSides() throws {
            let (pair, stream) = try Self.openPair()
            try pair.a.send(text: "bye", on: stream)
            pair.a.close()
            #expect(throws: SCTPError.associationNotActive) { try pair.a.send(text: "x", on: stream) }
            #expect(pair.run { pair.a.state == .closed && pair.b.state == .closed })
            #expect(Array(pair.eventsB.suffix(3)) == [
                .message(channel: stream, data: Array("bye".utf8), isBinary: false),
                .channelClosed(channel: stream), .associationClosed,
            ])
            #expect(Array(pair.eventsA.suffix(2)) == [.channelClosed(channel: stream), .associationClosed])
            #expect(throws: SCTPError.associationNotActive) { try pair.b.openChannel(DataChannelParameters(label: "x")) }
            // Nothing more happens afterwards, whatever arrives.
            pair.b.handle(packet: [UInt8](repeating: 0, count: 64))
            #expect(pair.run(maxVirtualMilliseconds: 1_000) { false } == false)
            #expect(pair.eventsB.last == .associationClosed)
        }

        @Test func sendsLargerThanTheNegotiatedMaximumAreRefused() throws {
            let pair = try AssociationPair(
                a: SCTPConfiguration(role: .client, remoteMaxMessageSize: 1000),
                b: SCTPConfiguration(role: .server, localMaxMessageSize: 1000))
            #expect(pair.connect())
            let stream = try pair.a.openChannel(DataChannelParameters(label: "small"))
            #expect(pair.a.maxMessageSize == 1000)
            #expect(throws: SCTPError.messageTooLarge(size: 1001, limit: 1000)) {
                try pair.a.send([UInt8](repeating: 1, count: 1001), on: stream)
            }
            try pair.a.send([UInt8](repeating: 2, count: 1000), on: stream)
            #expect(pair.run { AssociationTests.messages(pair.eventsB, on: stream).count == 1 })
            #expect(AssociationTests.messages(pair.eventsB, on: stream).first?.data == [UInt8](repeating: 2, count: 1000))
            // The default when the SDP has no a=max-message-size is 64 KiB (RFC 8841 §6).
            #expect(SCTPConfiguration(role: .client).effectiveMaxMessageSize == 65536)
            // 0 means no limit: the send buffer is then the bound.
            #expect(SCTPConfiguration(role: .client, remoteMaxMessageSize: 0, sendBufferSize: 300_000)
                .effectiveMaxMessageSize == 300_000)
        }

        @Test func inboundMessagesOverOurLimitAreDroppedAndCounted() throws {
            let pair = try AssociationPair(b: SCTPConfiguration(role: .server, localMaxMessageSize: 4000))
            #expect(pair.connect())
            let stream = try pair.a.openChannel(DataChannelParameters(label: "big"))
            try pair.a.send([UInt8](repeating: 7, count: 20_000), on: stream)
            try pair.a.send([8], on: stream)
            #expect(pair.run { AssociationTests.messages(pair.eventsB, on: stream).count == 1 })
            #expect(AssociationTests.messages(pair.eventsB, on: stream).map(\.data) == [[8]])
            #expect(pair.b.statistics.droppedMessages == 1)
        }

        @Test func sendingWhileTheSendBufferIsFullQueuesUpToTheLimit() throws {
            let pair = try AssociationPair(
                a: SCTPConfiguration(role: .client, sendBufferSize: 128 * 1024, maxBufferedAmount: 256 * 1024))
            #expect(pair.connect())
            let stream = try pair.a.openChannel(DataChannelParameters(label: "bulk"))
            pair.exchange()
            let chunk = [UInt8](repeating: 3, count: 60_000)
            var accepted = 0
            var refusal: SCTPError?
            while refusal == nil {
                do throws(SCTPError) {
                    try pair.a.send(chunk, on: stream)
                    accepted += 1
                } catch {
                    refusal = error
                }
            }
            guard case .bufferFull(let buffered, 256 * 1024)? = refusal else {
                Issue.record("unexpected \(String(describing: refusal))")
                return
            }
            #expect(buffered > 200_000)
            #expect(pair.run { AssociationTests.messages(pair.eventsB, on: stream).count == accepted })
            #expect(pair.a.bufferedAmount == 0)
        }
    }
}
