import ArgumentParser
import KVSMaster

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The kvsmaster command line: `run` (the default, so `kvsmaster my-channel` works as the KVS
/// sample does) and `selfcheck`.
struct KVSMasterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvsmaster",
        abstract: "WebRTC master for Amazon Kinesis Video Streams signaling channels, for camera boards.",
        discussion: """
            Streams H.264/H.265 video and Opus or G.711 audio to up to 10 viewers
            of a KVS signaling channel, with a data channel.
            All options: kvsmaster run --help

            KVS GStreamer sample style (channel, mode, source, rtsp-uri or audio
            codec, video codec):
              kvsmaster my-channel
              kvsmaster my-channel video-only testsrc
              kvsmaster my-channel audio-video devicesrc opus h265
              kvsmaster my-channel video-only rtspsrc rtsp://192.168.1.20/stream1

            Named flags:
              kvsmaster --channel-name my-channel --source devicesrc --bitrate 1500
              kvsmaster my-channel --max-viewers 4 --video-codec h265 --relay-only
              kvsmaster my-channel --pipeline 'v4l2src ! videoconvert !
                  x264enc tune=zerolatency ! appsink name=video'
              camera-encoder | kvsmaster my-channel video-only --annexb -
              kvsmaster my-channel --config ./kvsmaster.conf --log-level debug
              kvsmaster demo --local   (own signaling + viewer page at http://127.0.0.1:8080/;
                                       no AWS account needed)
              kvsmaster demo --local --listen 0.0.0.0:8080   (prints a URL with an access token)
              kvsmaster selfcheck      (check the libraries; no AWS account needed)
              kvsmaster doctor my-channel   (diagnose clock, certificates, credentials,
                                       network, STUN/TURN and media elements)

            Under systemd (systemd/kvsmaster.service, Type=notify):
              sudo systemd/install.sh
              sudo systemctl enable --now kvsmaster
              journalctl -u kvsmaster -f

            Precedence: command line > environment > config file > defaults.
            The config file is --config PATH, else /etc/kvsmaster/kvsmaster.conf
            when it exists (see config/kvsmaster.conf.example). An invalid config
            file or setting exits with status 2, an invalid command line with 64.

            Environment (as the KVS C SDK reads it):
              AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                                     credentials (or ~/.aws/credentials)
              AWS_DEFAULT_REGION     region (default us-west-2)
              AWS_KVS_CACERT_PATH    CA bundle for the AWS endpoints
              AWS_KVS_LOG_LEVEL      1 verbose, 2 debug, 3 info, 4 warn (default),
                                     5 error, 6 fatal, 7 silent
              DEBUG_LOG_SDP=TRUE     log offers and answers
              AWS_ENABLE_FILE_LOGGING=TRUE
                                     also log to kvsmaster.log in the state
                                     directory (else the working directory)
              KVS_ICE_TRANSPORT_POLICY=relay
                                     TURN relay candidates only
              CONTROL_PLANE_URI, KVS_DUALSTACK_ENDPOINTS=ON, KVS_STUN_URI
                                     endpoint overrides
              AWS_IOT_CORE_CREDENTIAL_ENDPOINT, AWS_IOT_CORE_CERT,
              AWS_IOT_CORE_PRIVATE_KEY, AWS_IOT_CORE_ROLE_ALIAS,
              AWS_IOT_CORE_THING_NAME
                                     credentials from the AWS IoT provider
            """,
        version: KVSMasterVersion.string,
        subcommands: [RunCommand.self, SelfCheckCommand.self, DoctorCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Runs the master until SIGTERM/SIGINT; exits with the daemon's status, or 2 when the
/// configuration is invalid.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the master for a signaling channel (the default command).",
        discussion: """
            Examples:
              kvsmaster my-channel video-only testsrc
              kvsmaster my-channel audio-video rtspsrc rtsp://camera.local/stream h264
              kvsmaster --channel-name my-channel --source devicesrc --relay-only
            """)

    @OptionGroup var arguments: DaemonArguments

    func run() throws {
        let resolver = DaemonConfigurationResolver(environment: ProcessEnvironment.current())
        let resolved: ResolvedDaemonConfiguration
        switch resolver.resolve(arguments) {
        case .success(let value): resolved = value
        case .failure(let error):
            printError("kvsmaster: \(error)")
            throw ExitCode(2)
        }
        do {
            try DaemonLogging.bootstrap(level: resolved.configuration.logLevel, logFile: resolved.configuration.logFile)
        } catch {
            printError("kvsmaster: \(error)")
            throw ExitCode(2)
        }
        throw ExitCode(Daemon.run(configuration: resolved.configuration, environment: resolved.environment))
    }

    func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
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

/// Diagnoses the setup with the daemon's configuration: one line per check, exit 1 on a failure.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check clock, CA bundle, credentials, DNS, TCP 443, STUN, TURN, IPv6 and media elements.",
        discussion: "Takes the same arguments, environment and config file as the run command; the channel is optional.")

    @OptionGroup var arguments: DaemonArguments

    @Option(name: .customLong("check-timeout"), help: "Seconds each network check may take.")
    var checkTimeout: Int = 5

    func validate() throws {
        guard (1...60).contains(checkTimeout) else { throw ValidationError("--check-timeout must be between 1 and 60") }
    }

    func run() throws {
        let doctor: Doctor
        switch Doctor.resolve(arguments: arguments, environment: ProcessEnvironment.current(), timeout: .seconds(checkTimeout)) {
        case .success(let resolved): doctor = resolved
        case .failure(let error):
            print(DoctorResult.fail("configuration", "\(error)", fix: "correct the setting it names").line)
            throw ExitCode(2)
        }
        try? DaemonLogging.bootstrap(level: .fatal, logFile: nil)
        print("doctor: \(KVSMasterVersion.string)")
        let passed = doctor.run { print($0.line) }
        print(passed ? "no problem found" : "problems found: see the FAIL lines")
        if !passed { throw ExitCode(1) }
    }
}

extension String {
    func padded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

KVSMasterCommand.main()
