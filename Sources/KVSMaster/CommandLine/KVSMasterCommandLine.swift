/// The kvsmaster command line: `run` (the default, so `kvsmaster my-channel` works as the KVS
/// sample does), `selfcheck`, `doctor` and `help [subcommand]`, with their help texts.
public enum KVSMasterCommandLine {
    /// What the command line asks for.
    public enum Invocation: Sendable {
        case run(DaemonArguments)
        case selfCheck(SelfCheckArguments)
        case doctor(DoctorArguments)
        /// Help text to print on stdout (ends with a newline).
        case help(String)
        case version
    }

    /// The subcommands, in the order help lists them.
    public enum Subcommand: String, Sendable, CaseIterable {
        case run
        case selfcheck
        case doctor
    }

    /// A command line that cannot run: the error and the usage of the command it was for.
    public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
        public var error: CommandLineError
        /// The subcommand the words were parsed for (nil: the top level, e.g. `help nosuch`).
        public var subcommand: Subcommand?

        public var description: String { error.description }

        /// What goes to stderr: `kvsmaster: <error>`, the usage, and where the help is.
        public var report: String {
            // The error stays on one line (for grep and the journal); the usage is wrapped.
            var lines = ["kvsmaster: \(error.description)"]
            let usage = subcommand.map { KVSMasterCommandLine.usage(of: $0) } ?? KVSMasterCommandLine.topUsage
            lines += CommandLineHelp.usageLines(usage, prefix: "usage: ")
            lines.append("see kvsmaster \(subcommand.map { "\($0.rawValue) " } ?? "")--help")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The invocation `words` (the arguments after the program name) ask for. The first word
    /// picks the subcommand; any other first word is the run command's.
    public static func parse(_ words: [String]) -> Result<Invocation, UsageError> {
        guard let first = words.first else { return parse(.run, words, explicit: false) }
        if first == "help" {
            guard words.count > 1, words[1] != "-h", words[1] != "--help" else { return .success(.help(topHelp)) }
            guard words.count == 2, let subcommand = Subcommand(rawValue: words[1]) else {
                let word = words[1]
                let error: CommandLineError =
                    words.count > 2 && Subcommand(rawValue: word) != nil
                    ? .unexpectedArgument(words[2], command: "help", positionals: ["subcommand"])
                    : .unknownSubcommand(
                        word, suggestion: CommandLineParser.closest(to: word, in: Subcommand.allCases.map(\.rawValue)))
                return .failure(UsageError(error: error, subcommand: nil))
            }
            return .success(.help(help(for: subcommand)))
        }
        if let subcommand = Subcommand(rawValue: first) { return parse(subcommand, Array(words.dropFirst()), explicit: true) }
        return parse(.run, words, explicit: false)
    }

    /// Parses for one subcommand; help for the implicit run command is the top-level help.
    static func parse(_ subcommand: Subcommand, _ words: [String], explicit: Bool) -> Result<Invocation, UsageError> {
        do throws(CommandLineError) {
            switch subcommand {
            case .run: return .success(.run(try DaemonArguments.parse(words)))
            case .selfcheck: return .success(.selfCheck(try SelfCheckArguments.parse(words, command: "selfcheck")))
            case .doctor: return .success(.doctor(try DoctorArguments.parse(words, command: "doctor")))
            }
        } catch .helpRequested {
            return .success(.help(explicit ? help(for: subcommand) : topHelp))
        } catch .versionRequested {
            return .success(.version)
        } catch {
            return .failure(UsageError(error: error, subcommand: subcommand))
        }
    }

    // MARK: Help.

    static let abstract = "WebRTC master for Amazon Kinesis Video Streams signaling channels, for camera boards."

    static let discussion = """
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
          kvsmaster demo --local   (own signaling + viewer page at
                                   http://127.0.0.1:8080/; no AWS account needed)
          kvsmaster demo --local --listen 0.0.0.0:8080
                                   (prints a URL with an access token)
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
        """

    static func abstract(of subcommand: Subcommand) -> String {
        switch subcommand {
        case .run: "Run the master for a signaling channel (the default command)."
        case .selfcheck: "Check every system library and run the media path on GStreamer's test source."
        case .doctor: "Check clock, CA bundle, credentials, DNS, TCP 443, STUN, TURN, IPv6 and media elements."
        }
    }

    static func discussion(of subcommand: Subcommand) -> String? {
        switch subcommand {
        case .run:
            """
            Examples:
              kvsmaster my-channel video-only testsrc
              kvsmaster my-channel audio-video rtspsrc rtsp://camera.local/stream h264
              kvsmaster --channel-name my-channel --source devicesrc --relay-only
            """
        case .selfcheck: nil
        case .doctor:
            """
            Takes the same arguments, environment and config file as the run command; the
            channel is optional.
            """
        }
    }

    static let daemonPositionals = "[<channel-name>] [<mode>] [<source>] [<rtsp-uri|audio-codec>] [<video-codec>]"

    static let topUsage = ["kvsmaster [run] [<options>] \(daemonPositionals)", "kvsmaster <subcommand>"]

    static func usage(of subcommand: Subcommand) -> [String] {
        switch subcommand {
        case .run: ["kvsmaster [run] [<options>] \(daemonPositionals)"]
        case .selfcheck: ["kvsmaster selfcheck [<options>]"]
        case .doctor: ["kvsmaster doctor [<options>] \(daemonPositionals)"]
        }
    }

    /// `kvsmaster --help`: what kvsmaster does, examples, environment and the subcommands.
    public static var topHelp: String {
        let subcommands = Subcommand.allCases.map { subcommand in
            (label: subcommand == .run ? "run (default)" : subcommand.rawValue, help: abstract(of: subcommand))
        }
        return CommandLineHelp(
            abstract: abstract, discussion: discussion, usage: topUsage,
            sections: [
                CommandLineHelp.Section(
                    title: "OPTIONS",
                    rows: [(label: "--version", help: "Show the version."), (label: "-h, --help", help: "Show help information.")]),
                CommandLineHelp.Section(title: "SUBCOMMANDS", rows: subcommands),
            ],
            footer: "See 'kvsmaster help <subcommand>' for detailed help."
        ).text
    }

    /// `kvsmaster <subcommand> --help`: the subcommand's arguments and every option.
    public static func help(for subcommand: Subcommand) -> String {
        let sections =
            switch subcommand {
            case .run: CommandLineHelp.sections(for: DaemonArguments.commandLineOptions)
            case .selfcheck: CommandLineHelp.sections(for: SelfCheckArguments.commandLineOptions)
            case .doctor: CommandLineHelp.sections(for: DoctorArguments.commandLineOptions)
            }
        return CommandLineHelp(
            abstract: abstract(of: subcommand), discussion: discussion(of: subcommand), usage: usage(of: subcommand),
            sections: sections
        ).text
    }
}

/// `kvsmaster selfcheck`: how much of GStreamer's test source to run through the media path.
public struct SelfCheckArguments: CommandLineArguments, Sendable {
    public var frames = 90
    public var size = "640x480"

    public init() {}

    public static var commandLineOptions: [CommandLineOption<SelfCheckArguments>] {
        [
            CommandLineOption(
                "frames", valueName: "frames", help: "Frames to capture from the test source. (default: 90)",
                kind: .integer(\.frames)),
            CommandLineOption("size", valueName: "size", help: "Capture size, WIDTHxHEIGHT. (default: 640x480)", kind: .value(\.sizeText)),
        ]
    }

    /// `size` as an optional for the table (absent keeps the default).
    var sizeText: String? {
        get { size }
        set { size = newValue ?? size }
    }

    public func validate() throws(CommandLineError) {
        guard (1...3000).contains(frames) else { throw .invalid("--frames must be between 1 and 3000") }
        guard parsedSize != nil else { throw .invalid("--size must look like 640x480 (each side 16 to 4096)") }
    }

    /// The capture size, when `size` is `WIDTHxHEIGHT` with sides from 16 to 4096.
    public var parsedSize: (width: Int, height: Int)? {
        let parts = size.split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...4096).contains(w),
            (16...4096).contains(h)
        else { return nil }
        return (w, h)
    }
}

/// `kvsmaster doctor`: the run command's arguments (the channel optional) and how long each
/// network check may take.
public struct DoctorArguments: CommandLineArguments, Sendable {
    public var daemon = DaemonArguments()
    public var checkTimeout = 5

    public init() {}

    public static var commandLineOptions: [CommandLineOption<DoctorArguments>] {
        DaemonArguments.commandLineOptions.map { $0.nested(in: \DoctorArguments.daemon) } + [
            CommandLineOption(
                "check-timeout", valueName: "check-timeout", help: "Seconds each network check may take. (default: 5)",
                kind: .integer(\.checkTimeout))
        ]
    }

    public func validate() throws(CommandLineError) {
        try daemon.validate()
        guard (1...60).contains(checkTimeout) else { throw .invalid("--check-timeout must be between 1 and 60") }
    }
}
