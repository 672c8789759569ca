import ArgumentParser
import KVSMaster

/// The kvsmaster command line.
struct KVSMasterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvsmaster",
        abstract: "WebRTC master for Amazon Kinesis Video Streams signaling channels, for camera boards.",
        discussion: """
            Examples:
              kvsmaster selfcheck        check the libraries and the capture → RTP → SRTP path (no AWS account needed)
              kvsmaster --version
            """,
        version: KVSMasterVersion.string,
        subcommands: [SelfCheckCommand.self])
}

struct SelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Check every system library and run the media path on GStreamer's test source.")

    @Option(help: "Frames to capture from the test source.")
    var frames: Int = 90

    @Option(help: "Capture size, WIDTHxHEIGHT.")
    var size: String = "640x480"

    func validate() throws {
        guard (1...3000).contains(frames) else { throw ValidationError("--frames must be between 1 and 3000") }
        guard parsedSize != nil else { throw ValidationError("--size must look like 640x480 (each side 16 to 4096)") }
    }

    var parsedSize: (Int, Int)? {
        let parts = size.split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...4096).contains(w),
            (16...4096).contains(h)
        else { return nil }
        return (w, h)
    }

    func run() throws {
        let (width, height) = parsedSize ?? (640, 480)
        print("kvsmaster self-check")
        let passed = SelfCheck(frames: frames, width: width, height: height).run { result in
            print("  \(result.status.rawValue.padded(4))  \(result.name.padded(14)) \(result.detail)")
        }
        print(passed ? "all checks passed" : "some checks FAILED")
        if !passed { throw ExitCode(1) }
    }
}

extension String {
    func padded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

KVSMasterCommand.main()
