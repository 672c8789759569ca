@testable import KVSMaster
import Testing

/// The table-driven command-line parser: option kinds, errors and their messages, the
/// subcommands and the help text.
@Suite struct CommandLineParserTests {
    /// The error `DaemonArguments.parse` throws for `words`, or a recorded issue.
    func parseError(_ words: [String], sourceLocation: SourceLocation = #_sourceLocation) -> CommandLineError? {
        do {
            let parsed = try DaemonArguments.parse(words)
            Issue.record("expected an error, got \(parsed)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The usage error `KVSMasterCommandLine.parse` returns for `words`, or a recorded issue.
    func usageError(_ words: [String], sourceLocation: SourceLocation = #_sourceLocation) -> KVSMasterCommandLine.UsageError? {
        switch KVSMasterCommandLine.parse(words) {
        case .success(let invocation):
            Issue.record("expected a usage error, got \(invocation)", sourceLocation: sourceLocation)
            return nil
        case .failure(let error): return error
        }
    }

    // MARK: Option kinds.

    @Test func valueOptionsInBothForms() throws {
        let spaced = try DaemonArguments.parse(["cam", "--width", "1280", "--log-file", "/tmp/k.log"])
        #expect(spaced.width == "1280")
        #expect(spaced.logFile == "/tmp/k.log")
        let joined = try DaemonArguments.parse(["cam", "--width=1280", "--annexb=/tmp/a=b.h264", "--data-channel-reply="])
        #expect(joined.width == "1280")
        #expect(joined.annexB == "/tmp/a=b.h264")
        #expect(joined.dataChannelReply == "")
        #expect(try DaemonArguments.parse(["cam", "--annexb", "-"]).annexB == "-")
        #expect(try DaemonArguments.parse(["cam"]).width == nil)
    }

    @Test func repeatedOptionsKeepTheLastValue() throws {
        let parsed = try DaemonArguments.parse(["cam", "--width", "320", "--width", "1280", "--relay-only", "--no-relay-only"])
        #expect(parsed.width == "1280")
        #expect(parsed.relayOnly == false)
        #expect(try DaemonArguments.parse(["cam", "--no-log-sdp", "--log-sdp"]).logSDP == true)
    }

    @Test func invertibleFlags() throws {
        let on = try DaemonArguments.parse(["cam", "--relay-only", "--log-sdp", "--file-logging", "--data-channel-stdout", "--playback-audio", "--local"])
        #expect(on.relayOnly == true && on.logSDP == true && on.fileLogging == true)
        #expect(on.dataChannelStdout == true && on.playbackAudio == true && on.local == true)
        let off = try DaemonArguments.parse([
            "cam", "--no-relay-only", "--no-log-sdp", "--no-file-logging", "--no-data-channel-stdout", "--no-playback-audio", "--no-local",
        ])
        #expect(off.relayOnly == false && off.logSDP == false && off.fileLogging == false)
        #expect(off.dataChannelStdout == false && off.playbackAudio == false && off.local == false)
        let absent = try DaemonArguments.parse(["cam"])
        #expect(absent.relayOnly == nil && absent.logSDP == nil && absent.local == nil)
        #expect(parseError(["cam", "--relay-only=yes"]) == .unexpectedValue(option: "--relay-only", value: "yes"))
        #expect(parseError(["cam", "--relay-only=yes"])?.description == "--relay-only takes no value, got \"yes\"")
        #expect(parseError(["cam", "--no-local=1"])?.description == "--no-local takes no value, got \"1\"")
    }

    @Test func plainFlagWithoutInversion() throws {
        #expect(try DaemonArguments.parse(["cam", "--no-data-channel-reply"]).noDataChannelReply)
        #expect(try DaemonArguments.parse(["cam"]).noDataChannelReply == false)
        // --data-channel-reply takes a value; its --no- form is the separate flag above.
        #expect(parseError(["cam", "--no-data-channel-reply=x"])?.description == "--no-data-channel-reply takes no value, got \"x\"")
    }

    @Test func freeTextOptionsTakeAnyNextWord() throws {
        #expect(try DaemonArguments.parse(["cam", "--data-channel-reply", "-x"]).dataChannelReply == "-x")
        #expect(try DaemonArguments.parse(["cam", "--data-channel-reply", "--help"]).dataChannelReply == "--help")
        #expect(try DaemonArguments.parse(["cam", "--pipeline", "-v ! appsink name=video"]).pipeline == "-v ! appsink name=video")
        // Other options refuse a next word that looks like an option.
        #expect(parseError(["cam", "--width", "--fps", "25"]) == .missingValue(option: "--width", valueName: "pixels"))
        #expect(parseError(["cam", "--width", "--fps", "25"])?.description == "missing value for --width <pixels>")
        // …but a negative number is a value (and then refused by the setting's own rule).
        #expect(!CommandLineParser.looksLikeOption("-1"))
        #expect(!CommandLineParser.looksLikeOption("-"))
        #expect(CommandLineParser.looksLikeOption("-x"))
        #expect(
            parseError(["cam", "--ice-server-index", "-1"])?.description.hasPrefix("--ice-server-index: expected") == true)
    }

    @Test func missingValues() {
        #expect(parseError(["cam", "--max-viewers"])?.description == "missing value for --max-viewers <n>")
        #expect(parseError(["--data-channel-reply"])?.description == "missing value for --data-channel-reply <text>")
        #expect(parseError(["cam", "--listen", "-h"]) == .helpRequested)
    }

    @Test func doubleDashEndsOptions() throws {
        let parsed = try DaemonArguments.parse(["--width", "640", "--", "--help", "video-only"])
        #expect(parsed.channelArgument == "--help")
        #expect(parsed.modeArgument == "video-only")
        #expect(parsed.width == "640")
        #expect(parseError(["--", "cam", "--fps"])?.description == "argument 2 (mode): expected audio-video, video-only or audio-video-storage, got \"--fps\"")
    }

    // MARK: The KVS sample's positional forms.

    @Test func positionalForms() throws {
        let alone = try DaemonArguments.parse(["cam"])
        #expect(alone.channelArgument == "cam")
        #expect(alone.modeArgument == nil && alone.sourceArgument == nil && alone.fourthArgument == nil)

        let three = try DaemonArguments.parse(["cam", "video-only", "testsrc"])
        #expect(three.channelArgument == "cam")
        #expect(three.modeArgument == "video-only")
        #expect(three.sourceArgument == "testsrc")
        #expect(three.fourthArgument == nil && three.videoCodecArgument == nil)

        let five = try DaemonArguments.parse(["cam", "audio-video", "rtspsrc", "rtsp://x/1", "h265"])
        #expect(five.sourceArgument == "rtspsrc")
        #expect(five.fourthArgument == "rtsp://x/1")
        #expect(five.videoCodecArgument == "h265")

        let mixed = try DaemonArguments.parse(["--fps", "25", "cam", "--relay-only", "video-only"])
        #expect(mixed.channelArgument == "cam" && mixed.modeArgument == "video-only" && mixed.fps == "25")
    }

    @Test func tooManyPositionals() {
        let error = parseError(["cam", "audio-video", "testsrc", "opus", "h264", "extra"])
        #expect(
            error?.description
                == "unexpected argument \"extra\": run takes at most 5 (channel-name, mode, source, rtsp-uri|audio-codec, video-codec)")
        #expect(usageError(["selfcheck", "now"])?.description == "unexpected argument \"now\": selfcheck takes no arguments")
    }

    // MARK: Unknown options and suggestions.

    @Test func unknownOptionsNameTheClosestKnownOne() {
        #expect(parseError(["cam", "--colour"]) == .unknownOption("--colour", suggestion: nil))
        #expect(parseError(["cam", "--colour"])?.description == "unknown option --colour")
        #expect(parseError(["cam", "--chanel-name", "x"])?.description == "unknown option --chanel-name (did you mean --channel-name?)")
        #expect(parseError(["cam", "--relayonly"])?.description == "unknown option --relayonly (did you mean --relay-only?)")
        #expect(parseError(["cam", "--no-relayonly"])?.description == "unknown option --no-relayonly (did you mean --no-relay-only?)")
        #expect(parseError(["cam", "--rtsp", "rtsp://a/b"])?.description == "unknown option --rtsp (did you mean --rtsp-uri?)")
        #expect(parseError(["cam", "-channel-name", "x"])?.description == "unknown option -channel-name (did you mean --channel-name?)")
        #expect(parseError(["cam", "--verison"])?.description == "unknown option --verison (did you mean --version?)")
        #expect(parseError(["cam", "-v"])?.description == "unknown option -v")
        // The value of a mistyped --name=value stays out of the message (it may be a token).
        #expect(parseError(["cam", "--tokn=secret-value"])?.description == "unknown option --tokn (did you mean --token?)")
        #expect(usageError(["doctor", "--check-timeot", "3"])?.description == "unknown option --check-timeot (did you mean --check-timeout?)")
    }

    @Test func everySpellingIsUnique() {
        let spellings = DoctorArguments.commandLineOptions.flatMap(\.spellings) + ["--help", "--version"]
        #expect(Set(spellings).count == spellings.count)
        #expect(spellings.count == 46)
        let positionals = DaemonArguments.commandLineOptions.filter(\.isPositional).map(\.name)
        #expect(positionals == DaemonArguments.positionalNames)
    }

    @Test func editDistance() {
        func distance(_ a: String, _ b: String) -> Int { CommandLineParser.editDistance(Array(a), Array(b)) }
        #expect(distance("", "abc") == 3)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("fps", "fps") == 0)
        #expect(distance("widht", "width") == 1)
        #expect(distance("ab", "ba") == 1)
        #expect(CommandLineParser.closest(to: "--widht", in: ["--width", "--height"]) == "--width")
        #expect(CommandLineParser.closest(to: "--max", in: ["--max-viewers", "--max-bitrate"]) == nil)
    }

    // MARK: Checks after parsing.

    @Test func validationUsesTheConfigurationRules() {
        #expect(
            parseError(["cam", "video-only", "testsrc", "aac"])?.description
                == "argument 4 (rtsp-uri|audio-codec): aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma")
        #expect(parseError(["cam", "--max-viewers", "0"]) == .invalid("--max-viewers: expected a number from 1 to 100, got \"0\""))
        #expect(DaemonArguments.message(for: CommandLineError.invalid("x")) == "x")
    }

    @Test func selfCheckArguments() throws {
        let defaults = try SelfCheckArguments.parse([], command: "selfcheck")
        #expect(defaults.frames == 90)
        #expect(defaults.parsedSize?.width == 640 && defaults.parsedSize?.height == 480)
        let set = try SelfCheckArguments.parse(["--frames", "10", "--size=320x240"], command: "selfcheck")
        #expect(set.frames == 10)
        #expect(set.parsedSize?.width == 320 && set.parsedSize?.height == 240)
        #expect(usageError(["selfcheck", "--frames", "ten"])?.description == "--frames: expected a whole number, got \"ten\"")
        #expect(usageError(["selfcheck", "--frames", "0"])?.description == "--frames must be between 1 and 3000")
        #expect(usageError(["selfcheck", "--size", "640"])?.description == "--size must look like 640x480 (each side 16 to 4096)")
    }

    @Test func doctorArguments() throws {
        guard case .success(.doctor(let doctor)) = KVSMasterCommandLine.parse(["doctor", "--check-timeout", "9", "cam", "--relay-only"]) else {
            Issue.record("doctor did not parse")
            return
        }
        #expect(doctor.checkTimeout == 9)
        #expect(doctor.daemon.channelArgument == "cam")
        #expect(doctor.daemon.relayOnly == true)
        guard case .success(.doctor(let plain)) = KVSMasterCommandLine.parse(["doctor"]) else {
            Issue.record("doctor without arguments did not parse")
            return
        }
        #expect(plain.checkTimeout == 5 && plain.daemon.channelArgument == nil)
        #expect(usageError(["doctor", "--check-timeout", "61"])?.description == "--check-timeout must be between 1 and 60")
        #expect(usageError(["doctor", "cam", "--fps", "500"])?.description == "--fps: expected a number from 1 to 120, got \"500\"")
    }

    // MARK: Subcommands, help and version.

    @Test func subcommandsAndTheDefaultRun() {
        guard case .success(.run(let empty)) = KVSMasterCommandLine.parse([]) else {
            Issue.record("no arguments is not the run command")
            return
        }
        #expect(empty.channelArgument == nil)
        guard case .success(.run(let implicit)) = KVSMasterCommandLine.parse(["cam", "video-only"]),
            case .success(.run(let explicit)) = KVSMasterCommandLine.parse(["run", "cam", "video-only"])
        else {
            Issue.record("run did not parse")
            return
        }
        #expect(implicit.channelArgument == "cam" && explicit.channelArgument == "cam")
        #expect(explicit.modeArgument == "video-only")
        guard case .success(.selfCheck(let check)) = KVSMasterCommandLine.parse(["selfcheck", "--frames", "30"]) else {
            Issue.record("selfcheck did not parse")
            return
        }
        #expect(check.frames == 30)
    }

    @Test func helpAndVersionRequests() {
        func help(_ words: [String]) -> String? {
            if case .success(.help(let text)) = KVSMasterCommandLine.parse(words) { return text }
            Issue.record("\(words) did not ask for help")
            return nil
        }
        let top = KVSMasterCommandLine.topHelp
        #expect(help(["--help"]) == top)
        #expect(help(["-h"]) == top)
        #expect(help(["help"]) == top)
        #expect(help(["help", "--help"]) == top)
        #expect(help(["cam", "--colour", "--help"]) == top)
        let run = KVSMasterCommandLine.help(for: .run)
        #expect(help(["run", "--help"]) == run)
        #expect(help(["run", "cam", "-h"]) == run)
        #expect(help(["help", "run"]) == run)
        #expect(help(["doctor", "--check-timeout", "x", "--help"]) == KVSMasterCommandLine.help(for: .doctor))
        #expect(help(["help", "selfcheck"]) == KVSMasterCommandLine.help(for: .selfcheck))
        #expect(help(["--help", "--version"]) == top)
        if case .success(.version) = KVSMasterCommandLine.parse(["--version"]) {} else { Issue.record("--version") }
        if case .success(.version) = KVSMasterCommandLine.parse(["doctor", "--version"]) {} else { Issue.record("doctor --version") }
        #expect(usageError(["help", "docter"])?.description == "unknown subcommand docter (did you mean doctor?)")
        #expect(usageError(["help", "run", "cam"])?.description == "unexpected argument \"cam\": help takes at most 1 (subcommand)")
    }

    @Test func usageErrorReport() throws {
        let error = try #require(usageError(["cam", "--chanel-name", "x"]))
        #expect(
            error.report == """
                kvsmaster: unknown option --chanel-name (did you mean --channel-name?)
                usage: kvsmaster [run] [<options>] [<channel-name>] [<mode>] [<source>]
                                 [<rtsp-uri|audio-codec>] [<video-codec>]
                see kvsmaster run --help

                """)
        let check = try #require(usageError(["selfcheck", "--frames"]))
        #expect(
            check.report == """
                kvsmaster: missing value for --frames <frames>
                usage: kvsmaster selfcheck [<options>]
                see kvsmaster selfcheck --help

                """)
        let long = try #require(usageError(["cam", "video-only", "testsrc", "aac"]))
        #expect(
            long.report.hasPrefix(
                "kvsmaster: argument 4 (rtsp-uri|audio-codec): aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma\n"))
        let help = try #require(usageError(["help", "nosuch"]))
        #expect(help.report.hasSuffix("usage: kvsmaster [run] [<options>] [<channel-name>] [<mode>] [<source>]\n"
            + "                 [<rtsp-uri|audio-codec>] [<video-codec>]\n       kvsmaster <subcommand>\nsee kvsmaster --help\n"))
    }

    @Test func helpListsEveryOptionWithItsValueNameAndHelp() {
        let run = KVSMasterCommandLine.help(for: .run)
        for option in DaemonArguments.commandLineOptions {
            #expect(run.contains(option.label), "\(option.label)")
            // The first words of each help text, in the column after the label or below it.
            let start = option.help.split(separator: " ").prefix(3).joined(separator: " ")
            #expect(run.contains(start), "\(option.name): \(start)")
        }
        #expect(run.contains("\n  --width <pixels>        Capture width (testsrc, devicesrc; default 640).\n"))
        #expect(run.contains("\n  --relay-only/--no-relay-only\n                          Use TURN relay candidates only\n"))
        #expect(run.contains("\nARGUMENTS:\n  <channel-name>          The signaling channel (or --channel-name, or\n"))
        #expect(run.contains("\n  -h, --help              Show help information.\n"))
        #expect(run.hasPrefix("OVERVIEW: Run the master for a signaling channel (the default command).\n\nExamples:\n"))
        let doctor = KVSMasterCommandLine.help(for: .doctor)
        for option in DaemonArguments.commandLineOptions { #expect(doctor.contains(option.label), "\(option.label)") }
        #expect(doctor.contains("--check-timeout <check-timeout>"))
        let selfcheck = KVSMasterCommandLine.help(for: .selfcheck)
        #expect(selfcheck.contains("  --frames <frames>       Frames to capture from the test source. (default: 90)\n"))
        #expect(selfcheck.contains("  --size <size>           Capture size, WIDTHxHEIGHT. (default: 640x480)\n"))
    }

    @Test func topHelpHasTheDiscussionAndSubcommands() {
        let top = KVSMasterCommandLine.topHelp
        #expect(top.hasPrefix("OVERVIEW: WebRTC master for Amazon Kinesis Video Streams signaling channels, for\ncamera boards.\n\n"))
        for line in KVSMasterCommandLine.discussion.split(separator: "\n") { #expect(top.contains(line), "\(line)") }
        #expect(top.contains("\nSUBCOMMANDS:\n  run (default)           Run the master for a signaling channel (the default\n"))
        #expect(top.contains("\n  selfcheck               Check every system library"))
        #expect(top.contains("\n  doctor                  Check clock, CA bundle"))
        #expect(top.contains("\n  --version               Show the version.\n"))
        #expect(
            top.contains(
                "\nUSAGE: kvsmaster [run] [<options>] [<channel-name>] [<mode>] [<source>]\n"
                    + "                 [<rtsp-uri|audio-codec>] [<video-codec>]\n       kvsmaster <subcommand>\n"))
        #expect(top.hasSuffix("\n  See 'kvsmaster help <subcommand>' for detailed help.\n"))
    }

    @Test func everyHelpLineFitsEightyColumns() {
        let texts = [KVSMasterCommandLine.topHelp] + KVSMasterCommandLine.Subcommand.allCases.map(KVSMasterCommandLine.help(for:))
        for text in texts {
            for line in text.split(separator: "\n") {
                #expect(line.count <= CommandLineHelp.width, "\(line.count): \(line)")
                #expect(!line.hasSuffix(" "), "trailing space: \(line)")
            }
        }
    }

    @Test func wrapping() {
        #expect(CommandLineHelp.wrap("one two three", width: 7) == ["one two", "three"])
        #expect(CommandLineHelp.wrap("a verylongword b", width: 5) == ["a", "verylongword", "b"])
        #expect(CommandLineHelp.wrap("a b c d", width: 5, firstIndent: 2, hangingIndent: 4) == ["  a b", "    c", "    d"])
        #expect(CommandLineHelp.row(label: "--x", help: "short") == ["  --x                     short"])
        let long = CommandLineHelp.row(label: "--a-label-longer-than-the-column", help: "help")
        #expect(long == ["  --a-label-longer-than-the-column", String(repeating: " ", count: 26) + "help"])
    }
}
