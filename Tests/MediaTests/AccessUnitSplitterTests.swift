import Media
import RTP
import Testing

@Suite struct AccessUnitSplitterTests {
    typealias S = SyntheticNAL

    static let h264Units: [[UInt8]] = [
        S.accessUnit([S.h264(9), S.h264(7), S.h264(8), S.h264(6), S.h264(5), S.h264(5, firstSlice: false)]),
        S.accessUnit([S.h264(1), S.h264(1, firstSlice: false), S.h264(1, firstSlice: false)]),
        S.accessUnit([S.h264(6), S.h264(1, size: 300)]),
        S.accessUnit([S.h264(1), S.h264(12)]),  // filler data stays with its picture
        S.accessUnit([S.h264(7), S.h264(8), S.h264(5, size: 2000), S.h264(10)]),  // end of sequence stays too
        S.accessUnit([S.h264(1, size: 2)]),
    ]

    static let h265Units: [[UInt8]] = [
        S.accessUnit([S.h265(35), S.h265(32), S.h265(33), S.h265(34), S.h265(39), S.h265(19), S.h265(19, firstSlice: false)]),
        S.accessUnit([S.h265(1), S.h265(40)]),  // suffix SEI stays with its picture
        S.accessUnit([S.h265(1), S.h265(1, firstSlice: false)]),
        S.accessUnit([S.h265(32), S.h265(33), S.h265(34), S.h265(21, size: 500)]),
        S.accessUnit([S.h265(0)]),
    ]

    static func split(_ stream: [UInt8], codec: MediaCodec, chunks: [Int]? = nil, max: Int = 1 << 20)
        -> [AccessUnitSplitter.Output]
    {
        var splitter = AccessUnitSplitter(codec: codec, maxAccessUnitSize: max)
        var out: [AccessUnitSplitter.Output] = []
        var offset = 0
        for size in chunks ?? [stream.count] where offset < stream.count {
            let end = min(offset + size, stream.count)
            out += splitter.push(stream[offset..<end])
            offset = end
        }
        if offset < stream.count { out += splitter.push(stream[offset...]) }
        out += splitter.finish()
        return out
    }

    static func units(_ outputs: [AccessUnitSplitter.Output]) -> [AccessUnitSplitter.AccessUnit] {
        outputs.compactMap { if case .accessUnit(let u) = $0 { u } else { nil } }
    }

    @Test func h264AccessUnitsComeBackByteForByte() {
        let units = Self.units(Self.split(Self.h264Units.flatMap { $0 }, codec: .h264))
        #expect(units.map(\.bytes) == Self.h264Units)
        #expect(units.map(\.isKeyframe) == [true, false, false, false, true, false])
    }

    @Test func h265AccessUnitsComeBackByteForByte() {
        let units = Self.units(Self.split(Self.h265Units.flatMap { $0 }, codec: .h265))
        #expect(units.map(\.bytes) == Self.h265Units)
        #expect(units.map(\.isKeyframe) == [true, false, false, true, false])
    }

    @Test func randomChunkingGivesTheSameAccessUnits() {
        var rng = SeededRandom(seed: 0x5EED)
        for (codec, frames) in [(MediaCodec.h264, Self.h264Units), (.h265, Self.h265Units)] {
            let stream = frames.flatMap { $0 } + frames.flatMap { $0 }
            for _ in 0..<300 {
                var chunks: [Int] = []
                var total = 0
                while total < stream.count {
                    let size = Int.random(in: 1...(Bool.random(using: &rng) ? 4 : 700), using: &rng)
                    chunks.append(size)
                    total += size
                }
                let outputs = Self.split(stream, codec: codec, chunks: chunks)
                let same = outputs.map { if case .accessUnit(let u) = $0 { u.bytes } else { [] } } == frames + frames
                #expect(same, "chunks \(chunks)")
                if !same { return }
            }
        }
    }

    @Test func extraLeadingAndTrailingZerosAreNotPartOfAnAccessUnit() {
        let a = S.accessUnit([S.h264(7), S.h264(8), S.h264(5)])
        let b = S.accessUnit([S.h264(1)])
        let stream = [0, 0, 0] + a + [0, 0, 0] + b + [0, 0]
        let units = Self.units(Self.split(stream, codec: .h264))
        #expect(units.map(\.bytes) == [a, b])
    }

    @Test func bytesWithoutStartCodesAreDroppedAndCounted() {
        var rng = SeededRandom(seed: 7)
        let garbage = (0..<5000).map { _ in UInt8.random(in: 2...255, using: &rng) }
        let good = S.accessUnit([S.h264(7), S.h264(8), S.h264(5)])
        var splitter = AccessUnitSplitter(codec: .h264, maxAccessUnitSize: 1000)
        var outputs: [AccessUnitSplitter.Output] = []
        for start in stride(from: 0, to: garbage.count, by: 100) {
            outputs += splitter.push(garbage[start..<min(start + 100, garbage.count)])
            #expect(splitter.bufferedBytes <= 3)
        }
        outputs += splitter.push(good)
        outputs += splitter.finish()
        let dropped = outputs.compactMap { if case .dropped(.noStartCode(let n)) = $0 { n } else { nil } }
        #expect(dropped.reduce(0, +) == garbage.count)
        #expect(Self.units(outputs).map(\.bytes) == [good])
    }

    @Test func oversizedAccessUnitIsDroppedAndTheStreamResyncs() {
        let huge = S.accessUnit([S.h264(5, size: 50_000)])
        let after = [S.accessUnit([S.h264(7), S.h264(8), S.h264(5)]), S.accessUnit([S.h264(1)])]
        var splitter = AccessUnitSplitter(codec: .h264, maxAccessUnitSize: 10_000)
        var outputs: [AccessUnitSplitter.Output] = []
        var maxBuffered = 0
        let stream = huge + after.flatMap { $0 }
        for start in stride(from: 0, to: stream.count, by: 1000) {
            outputs += splitter.push(stream[start..<min(start + 1000, stream.count)])
            maxBuffered = max(maxBuffered, splitter.bufferedBytes)
        }
        outputs += splitter.finish()
        #expect(maxBuffered <= 11_000)
        #expect(outputs.contains { if case .dropped(.oversizedAccessUnit) = $0 { true } else { false } })
        #expect(Self.units(outputs).map(\.bytes) == after)
    }

    @Test func nothingButZerosOrEmptyInputYieldsNothing() {
        #expect(Self.split([], codec: .h264).isEmpty)
        #expect(Self.split([UInt8](repeating: 0, count: 100), codec: .h265).isEmpty)
        #expect(Self.units(Self.split([0, 0, 1], codec: .h264)).isEmpty)
    }

    @Test func randomBytesNeverTrapAndStayBounded() {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<200 {
            var splitter = AccessUnitSplitter(codec: Bool.random(using: &rng) ? .h264 : .h265, maxAccessUnitSize: 4096)
            for _ in 0..<20 {
                let chunk = (0..<Int.random(in: 0...600, using: &rng)).map { _ in
                    UInt8.random(in: 0...3, using: &rng) == 0 ? 0 : UInt8.random(in: 0...255, using: &rng)
                }
                _ = splitter.push(chunk)
                #expect(splitter.bufferedBytes <= 4096 + 600)
            }
            _ = splitter.finish()
        }
    }

    @Test func x264FramesComeBackExactly() throws {
        let frames = try TestFiles.h264Frames(30)
        let units = Self.units(Self.split(frames.flatMap { $0 }, codec: .h264, chunks: [1000, 3, 7, 20_000, 1]))
        #expect(units.map(\.bytes) == frames)
        #expect(units.first?.isKeyframe == true)
        #expect(units.filter(\.isKeyframe).count == 3)
    }

    @Test func x265FramesComeBackExactly() throws {
        let frames = try TestFiles.h265Frames(20)
        let units = Self.units(Self.split(frames.flatMap { $0 }, codec: .h265, chunks: [500, 5, 9000]))
        #expect(units.map(\.bytes) == frames)
        #expect(units.first?.isKeyframe == true)
        let firstTypes = AnnexB.nalUnits(in: units[0].bytes).map { ($0.first! >> 1) & 0x3F }
        #expect(firstTypes.prefix(3) == [32, 33, 34])
    }
}
