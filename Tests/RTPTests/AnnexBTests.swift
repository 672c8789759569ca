import RTP
import Testing

@Suite("Annex-B splitting")
struct AnnexBTests {
    func units(_ stream: [UInt8]) -> [[UInt8]] { PacketizerTestSupport.split(stream) }

    @Test func fourByteStartCodes() {
        #expect(units([0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xCE, 0, 0, 0, 1, 0x65, 0x88]) == [
            [0x67, 0x42], [0x68, 0xCE], [0x65, 0x88],
        ])
    }

    @Test func threeByteAndMixedStartCodes() {
        #expect(units([0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67, 0, 0, 0, 1, 0x41, 0x9A]) == [
            [0x09, 0xF0], [0x67], [0x41, 0x9A],
        ])
    }

    @Test func rangesPointIntoTheStream() {
        var ranges: [Range<Int>] = []
        AnnexB.forEachNALUnit(in: [0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68]) { ranges.append($0) }
        #expect(ranges == [4..<6, 9..<10])
    }

    @Test func leadingZerosAreSkipped() {
        #expect(units([0, 0, 0, 0, 0, 0, 1, 0x65, 0x11]) == [[0x65, 0x11]])
    }

    @Test func trailingZerosAreNotPartOfTheUnit() {
        #expect(units([0, 0, 1, 0x65, 0x11, 0, 0, 0, 0, 0, 0, 1, 0x41, 0x22, 0, 0]) == [[0x65, 0x11], [0x41, 0x22]])
    }

    @Test func streamWithoutStartCodeIsOneUnit() {
        #expect(units([0x65, 0x88, 0x84, 0x21]) == [[0x65, 0x88, 0x84, 0x21]])
        #expect(units([0x65, 0x88, 0, 0, 1, 0x41]) == [[0x65, 0x88], [0x41]])
    }

    @Test func emulationPreventionBytesStayInside() {
        #expect(units([0, 0, 0, 1, 0x65, 0, 0, 3, 1, 0, 0, 3, 0, 0x7F]) == [[0x65, 0, 0, 3, 1, 0, 0, 3, 0, 0x7F]])
    }

    @Test func emptyUnitsAreSkipped() {
        #expect(units([0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0x41, 0, 0, 1]) == [[0x41]])
        #expect(units([]) == [])
        #expect(units([0, 0, 0]) == [])
        #expect(units([0, 0, 1]) == [])
        #expect(units([0, 0, 1, 0, 0]) == [])
    }

    @Test func startCodeSplitAcrossTheSkipStep() {
        // Start codes at every offset modulo 3 relative to the previous unit.
        for gap in 1...7 {
            let body = [UInt8](repeating: 0x55, count: gap)
            let stream: [UInt8] = [0, 0, 1] + body + [0, 0, 1] + body + [0, 0, 0, 1] + body
            #expect(units(stream) == [body, body, body])
        }
    }

    @Test func joinRoundTrips() {
        let nals: [[UInt8]] = [[0x67, 1, 2], [0x68, 3], [0x65, 0, 0, 3, 1, 9]]
        let stream = AnnexB.join(nals)
        #expect(stream == [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 0, 0, 3, 1, 9])
        #expect(units(stream) == nals)
    }

    /// Inputs that make a quadratic scanner take hours; a linear one finishes at once.
    @Test func pathologicalInputsAreLinear() {
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        #expect(units(zeros) == [])
        var codes: [UInt8] = []
        for _ in 0..<(1 << 20) { codes += [0, 0, 1] }
        #expect(units(codes) == [])
        var tiny: [UInt8] = []
        for _ in 0..<(1 << 19) { tiny += [0, 0, 1, 0x41] }
        var count = 0
        AnnexB.forEachNALUnit(in: tiny) { range in
            if range.count == 1 { count += 1 }
        }
        #expect(count == 1 << 19)
    }
}
