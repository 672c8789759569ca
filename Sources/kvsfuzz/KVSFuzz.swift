// The fuzz driver for kvsmaster's parsers.
//
// Built normally, it replays inputs: `kvsfuzz <target> <file>…` runs each file through the target and
// prints the outcome (use it to reproduce a crash a fuzzer found). Built with
// `-sanitize=fuzzer -parse-as-library -DFUZZING` (scripts/fuzz.sh does this), the same target becomes
// a libFuzzer entry point, chosen with the KVS_FUZZ_TARGET environment variable.
import FuzzTargets
import Glibc

func selectedTarget(_ name: String?) -> FuzzTarget? {
    guard let name, let target = FuzzTarget(rawValue: name.lowercased()) else { return nil }
    return target
}

let targetNames: String = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")

#if FUZZING
nonisolated(unsafe) var fuzzTarget: FuzzTarget? = nil

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
) -> Int32

/// SwiftPM links every executable with `main` aliased to `<target>_main`; in the fuzz build that is
/// where libFuzzer's driver starts.
@_cdecl("kvsfuzz_main")
func kvsfuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    if let target = selectedTarget(getenv("KVS_FUZZ_TARGET").map { String(cString: $0) }) {
        seedCorpus(arguments: (1..<Int(argc)).compactMap { argv?[$0].map { String(cString: $0) } }, target: target)
    }
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if fuzzTarget == nil {
        guard let target = selectedTarget(getenv("KVS_FUZZ_TARGET").map { String(cString: $0) }) else {
            printError("kvsfuzz: set KVS_FUZZ_TARGET to one of: \(targetNames)")
            exit(2)
        }
        fuzzTarget = target
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if case .invariantViolated(let message) = fuzzTarget!.run(bytes) {
        // A broken invariant is a finding: crash so libFuzzer saves the input.
        printError("kvsfuzz: invariant violated: \(message)")
        abort()
    }
    return 0
}
/// Writes the target's seed inputs into the corpus folder (the first argument that is not a
/// flag) when that folder is empty.
func seedCorpus(arguments: [String], target: FuzzTarget) {
    guard let folder = arguments.first(where: { !$0.hasPrefix("-") }), let dir = opendir(folder) else { return }
    var entries = 0
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { entries += 1 }
    }
    closedir(dir)
    guard entries == 0 else { return }
    for (i, seed) in target.seedInputs.enumerated() {
        guard let file = fopen("\(folder)/seed-\(i)", "wb") else { continue }
        _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
}
#else
@main
enum KVSFuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, let target = selectedTarget(arguments[1]) else {
            printError("usage: kvsfuzz <target> <input file>…   (targets: \(targetNames))")
            exit(2)
        }
        var violations = 0
        for path in arguments.dropFirst(2) {
            guard let bytes = readFile(path) else {
                printError("kvsfuzz: cannot open \(path)")
                exit(2)
            }
            let outcome = target.run(bytes)
            if case .invariantViolated = outcome { violations += 1 }
            print("\(path): \(outcome)")
        }
        exit(violations == 0 ? 0 : 1)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}
#endif

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
