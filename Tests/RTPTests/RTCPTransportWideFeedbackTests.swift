import RTP
import Testing
import WireKit

/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
@Suite struct RTCPTransportWideFeedbackTests {
    /// Base sequence 100, 26 statuses, reference time -2 (×64 ms), feedback count 5.
    /// Chunks: 0x200e run-length (symbol 1 "small delta" × 14, seq 100–113);
    /// 0xe181 2-bit vector (large, lost, small, large, lost, lost, small: seq 114–120);
    /// 0xa600 1-bit vector (1,0,0,1,1 then 9 unused symbols: seq 121–125).
    /// Deltas: 0a, 04 ×12, ff, ffd8 (-40), 50, 0400 (1024), 08, 01, 02, 03; 3 bytes of zero padding.
    static let feedback = """
        8fcd000c 00000001 11223344 0064001a fffffe05 200ee181 a6000a04 04040404
        04040404 040404ff ffd85004 00080102 03000000
        """

    static let expectedStatuses: [RTCPTransportWideFeedback.PacketStatus] =
        [.received(delta: 10)] + Array(repeating: .received(delta: 4), count: 12) + [
            .received(delta: 255),
            .received(delta: -40), .notReceived, .received(delta: 80), .received(delta: 1024), .notReceived, .notReceived,
            .received(delta: 8),
            .received(delta: 1), .notReceived, .notReceived, .received(delta: 2), .received(delta: 3),
        ]

    @Test func parseBothChunkKindsAndDeltaSizes() throws {
        let packet = try rtcpRoundTrip(try rtcpBytes(Self.feedback))
        guard case .transportWideFeedback(let twcc) = packet else {
            Issue.record("expected transport feedback, got \(packet)")
            return
        }
        #expect(twcc.senderSSRC == 1)
        #expect(twcc.mediaSSRC == 0x1122_3344)
        #expect(twcc.baseSequenceNumber == 100)
        #expect(twcc.referenceTime == -2)
        #expect(twcc.feedbackPacketCount == 5)
        #expect(twcc.packetStatuses == Self.expectedStatuses)
    }

    @Test func arrivalTimes() throws {
        let packet = try RTCPPacket(parsing: try rtcpBytes(Self.feedback))
        guard case .transportWideFeedback(let twcc) = packet else {
            Issue.record("expected transport feedback")
            return
        }
        let results = twcc.packetResults
        #expect(results.count == 26)
        #expect(results.map(\.sequenceNumber) == Array(100...125))
        // Reference -2 × 64 ms = -128 ms; then +2.5 ms, twelve times +1 ms, +63.75 ms, -10 ms …
        #expect(results[0].arrivalTime == -125_500)
        #expect(results[12].arrivalTime == -113_500)
        #expect(results[13].arrivalTime == -49_750)
        #expect(results[14].arrivalTime == -59_750)
        #expect(results[14].receiveDelta == -40)
        #expect(results[15] == .init(sequenceNumber: 115, receiveDelta: nil, arrivalTime: nil))
        #expect(!results[15].isReceived)
        #expect(results[16].arrivalTime == -39_750)
        #expect(results[17].arrivalTime == 216_250)
        #expect(results[20].arrivalTime == 218_250)
        #expect(results[21].arrivalTime == 218_500)
        #expect(results[24].arrivalTime == 219_000)
        #expect(results[25].arrivalTime == 219_750)
        #expect(results.filter(\.isReceived).count == 21)
    }

    @Test func builtFromStatusesMatchesVector() throws {
        let twcc = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 0x1122_3344, baseSequenceNumber: 100, referenceTime: -2, feedbackPacketCount: 5,
            packetStatuses: Self.expectedStatuses)
        #expect(try RTCPPacket.transportWideFeedback(twcc).serialized() == (try rtcpBytes(Self.feedback)))
    }

    @Test func paddedWithPaddingBitAsLibwebrtcWrites() throws {
        // Same packet with the P bit set and the padding count in the last octet.
        var bytes = try rtcpBytes(Self.feedback)
        bytes[0] |= 0x20
        bytes[bytes.count - 1] = 3
        let packet = try RTCPPacket(parsing: bytes)
        #expect(packet == (try RTCPPacket(parsing: try rtcpBytes(Self.feedback))))
    }

    @Test func longLossRunAndLargeRun() throws {
        // Run-length chunk of 300 lost (0x012c), then a run of one large delta (0x4001: symbol 2),
        // the delta 0x0100 and two bytes of zero padding. Writing it again picks the same chunks.
        let bytes = try rtcpBytes("8fcd0006 00000001 00000002 fff0012d 00000101 012c4001 01000000")
        let packet = try rtcpRoundTrip(bytes)
        guard case .transportWideFeedback(let twcc) = packet else {
            Issue.record("expected transport feedback")
            return
        }
        #expect(twcc.baseSequenceNumber == 0xFFF0)
        #expect(twcc.packetStatuses.count == 301)
        #expect(twcc.packetStatuses.prefix(300).allSatisfy { $0 == .notReceived })
        #expect(twcc.packetStatuses.last == .received(delta: 256))
        #expect(twcc.referenceTime == 1)
        // Sequence numbers wrap past 65535.
        let last = try #require(twcc.packetResults.last)
        #expect(last.sequenceNumber == 284)  // 0xfff0 + 300 - 65536
        #expect(last.arrivalTime == 128_000)  // 64 ms reference + 256 × 250 µs
    }

    @Test func runLongerThanStatusCountIsCut() throws {
        // Run-length chunk of 8191 received packets, but the status count is 2.
        let bytes = try rtcpBytes("8fcd0005 00000001 00000002 00000002 00000000 3fff0102")
        let packet = try RTCPPacket(parsing: bytes)
        guard case .transportWideFeedback(let twcc) = packet else {
            Issue.record("expected transport feedback")
            return
        }
        #expect(twcc.packetStatuses == [.received(delta: 1), .received(delta: 2)])
    }

    @Test func reservedSymbolIsRejected() throws {
        // Run-length chunk with symbol 3.
        #expect(throws: RTCPError.invalidValue(.twccStatusChunk)) {
            try RTCPPacket(parsing: try rtcpBytes("8fcd0005 00000001 00000002 00000001 00000000 60010000"))
        }
        // 2-bit vector whose first symbol is 3.
        #expect(throws: RTCPError.invalidValue(.twccStatusChunk)) {
            try RTCPPacket(parsing: try rtcpBytes("8fcd0005 00000001 00000002 00000001 00000000 f0000000"))
        }
    }

    @Test func missingDeltasAreRejected() throws {
        // Two small deltas announced; the P bit with a count of 1 ends the content after the first.
        #expect(throws: RTCPError.truncated(.twccReceiveDelta, needed: 1, available: 0)) {
            try RTCPPacket(parsing: try rtcpBytes("afcd0005 00000001 00000002 00000002 00000000 20020501"))
        }
        #expect(throws: RTCPError.truncated(.twccStatusChunk, needed: 2, available: 0)) {
            try RTCPPacket(parsing: try rtcpBytes("8fcd0005 00000001 00000002 0000ffff 00000000 3fff3fff"))
        }
    }

    @Test func buildFromArrivalTimes() throws {
        // Arrivals in microseconds on the receiver's clock; nil is a lost packet.
        let arrivals: [Int64?] = [1_000_000, 1_000_250, nil, 1_070_124, 1_060_000, nil, 1_060_126]
        let twcc = try RTCPTransportWideFeedback(
            senderSSRC: 9, mediaSSRC: 10, baseSequenceNumber: 65534, feedbackPacketCount: 200, arrivalTimes: arrivals)
        // 1 s / 64 ms = 15.625 → reference 15 = 960 ms; 1 s is then 160 ticks later.
        #expect(twcc.referenceTime == 15)
        #expect(
            twcc.packetStatuses == [
                .received(delta: 160), .received(delta: 1), .notReceived, .received(delta: 279),
                .received(delta: -40), .notReceived, .received(delta: 1),
            ])
        let results = twcc.packetResults
        #expect(results.map(\.sequenceNumber) == [65534, 65535, 0, 1, 2, 3, 4])
        #expect(results.map(\.arrivalTime) == [1_000_000, 1_000_250, nil, 1_070_000, 1_060_000, nil, 1_060_250])
        let bytes = try RTCPPacket.transportWideFeedback(twcc).serialized()
        #expect(try RTCPPacket(parsing: bytes) == .transportWideFeedback(twcc))
    }

    @Test func builderWrapsReferenceTimeTo24Bits() throws {
        // 2^23 × 64 ms lies just past the largest positive reference time.
        let arrival: Int64 = (1 << 23) * 64_000 + 500
        let twcc = try RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivalTimes: [arrival])
        #expect(twcc.referenceTime == -0x80_0000)
        #expect(twcc.packetStatuses == [.received(delta: 2)])
    }

    @Test func builderRejectsGapTooLargeForDelta() {
        #expect(throws: RTCPError.notEncodable(.twccReceiveDelta, value: 40_000, limit: 32767)) {
            try RTCPTransportWideFeedback(
                senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0,
                arrivalTimes: [0, 10_000_000])
        }
    }

    @Test func emptyFeedback() throws {
        let twcc = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 7, referenceTime: 0, feedbackPacketCount: 0, packetStatuses: [])
        let bytes = try RTCPPacket.transportWideFeedback(twcc).serialized()
        #expect(bytes == (try rtcpBytes("8fcd0004 00000001 00000002 00070000 00000000")))
        #expect(try RTCPPacket(parsing: bytes) == .transportWideFeedback(twcc))
    }
}
