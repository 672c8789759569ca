import Foundation
import KVSMaster
import Testing

/// The config file's syntax and its error messages (file, line, key).
@Suite struct ConfigurationFileTests {
    @Test func syntaxForms() throws {
        let text = """
            # a comment

              video-codec = h265
            max-viewers=4   # trailing comment
            pipeline = "videotestsrc ! x264enc ! appsink name=video # not a comment"
            data-channel-reply = 'say "hi" \\ there'
            log-file = "a \\"quoted\\" \\\\ path"\r
            region =eu-west-1\t
            state-directory = /var/lib/k#not-a-comment
            mode = ""
            """
        let file = try ConfigurationFile.parse(text, path: "k.conf").get()
        #expect(
            file.entries == [
                .init(key: "video-codec", value: "h265", line: 3),
                .init(key: "max-viewers", value: "4", line: 4),
                .init(key: "pipeline", value: "videotestsrc ! x264enc ! appsink name=video # not a comment", line: 5),
                .init(key: "data-channel-reply", value: "say \"hi\" \\ there", line: 6),
                .init(key: "log-file", value: "a \"quoted\" \\ path", line: 7),
                .init(key: "region", value: "eu-west-1", line: 8),
                .init(key: "state-directory", value: "/var/lib/k#not-a-comment", line: 9),
                .init(key: "mode", value: "", line: 10),
            ])
    }

    @Test func badValueNamesFileLineAndKey() {
        let lines = (1...11).map { "# line \($0)" } + ["max-viewers = ten"]
        #expect(
            configurationError(["cam"], file: lines.joined(separator: "\n"))
                == "kvsmaster.conf:12: max-viewers: expected a number from 1 to 100, got \"ten\"")
        #expect(
            configurationError(["cam"], file: "video-codec = h264\naudio-codec = aac\n")
                == "kvsmaster.conf:2: audio-codec: aac is not supported (WebRTC viewers do not decode AAC); use opus, pcmu or pcma")
        #expect(
            configurationError(["cam"], file: "log-sdp = maybe")
                == "kvsmaster.conf:1: log-sdp: expected true or false, got \"maybe\"")
        #expect(
            configurationError(["cam"], file: "control-plane-uri = http://localhost:8080")
                == "kvsmaster.conf:1: control-plane-uri: expected an https:// URL (TLS is required), got \"http://localhost:8080\"")
        #expect(
            configurationError(["cam"], file: "region = US West")
                == "kvsmaster.conf:1: region: expected an AWS region name (e.g. us-west-2), got \"US West\"")
    }

    @Test func aBadLineIsAnErrorEvenWhenOverridden() {
        #expect(
            configurationError(["cam", "--max-viewers", "3"], file: "max-viewers = lots")
                == "kvsmaster.conf:1: max-viewers: expected a number from 1 to 100, got \"lots\"")
    }

    @Test func unknownKey() {
        #expect(configurationError(["cam"], file: "\n\ncolour = red") == "kvsmaster.conf:3: colour: unknown key")
        #expect(configurationError(["cam"], file: "Video_Codec = h264") == "kvsmaster.conf:1: Video_Codec: unknown key")
    }

    @Test func duplicateKey() {
        #expect(
            configurationError(["cam"], file: "max-viewers = 2\nfps = 10\n\n# again\nmax-viewers = 3")
                == "kvsmaster.conf:5: max-viewers: duplicate key (first set on line 1)")
    }

    @Test func unterminatedQuote() {
        #expect(
            configurationError(["cam"], file: "pipeline = \"videotestsrc ! appsink name=video")
                == "kvsmaster.conf:1: pipeline: unterminated quote")
        #expect(
            configurationError(["cam"], file: "fps = 10\ndata-channel-reply = 'hello")
                == "kvsmaster.conf:2: data-channel-reply: unterminated quote")
        #expect(
            configurationError(["cam"], file: "data-channel-reply = \"a\" b")
                == "kvsmaster.conf:1: data-channel-reply: unexpected text after the closing quote")
    }

    @Test func lineWithoutEquals() {
        #expect(
            configurationError(["cam"], file: "fps = 10\nvideo-codec h265")
                == "kvsmaster.conf:2: expected key = value, got \"video-codec h265\"")
        #expect(
            configurationError(["cam"], file: "= h265")
                == "kvsmaster.conf:1: \"\" is not a key name (letters, digits and dashes)")
    }

    @Test func secretsAreRefusedWithoutEchoingThem() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let expectedTail =
            ": credentials are not read from the config file; set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
            + "AWS_SESSION_TOKEN in the environment (/etc/kvsmaster/kvsmaster.env under systemd) or use the shared "
            + "credentials file (~/.aws/credentials)"
        for key in ["secret-access-key", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "session-token", "aws_session_token", "access-key-id"] {
            let message = try #require(configurationError(["cam"], file: "fps = 10\n\(key) = \(secret)"))
            #expect(message == "kvsmaster.conf:2: \(key)\(expectedTail)")
            #expect(!message.contains(secret))
        }
        let parsed = try DaemonArguments.parse(["cam", "--config", "k.conf"])
        let result = DaemonConfigurationResolver(environment: [:], reader: .files(["k.conf": "session-token = \(secret)"]))
            .resolve(parsed)
        #expect(throws: ConfigurationError.self) { try result.get() }
        if case .failure(let error) = result { #expect(error.kind == .secretInFile) }
    }

    @Test func missingExplicitFileAndDefaultFile() throws {
        let noFile = try DaemonArguments.parse(["cam", "--config", "/nonexistent"])
        let result = DaemonConfigurationResolver(environment: [:], reader: .files([:])).resolve(noFile)
        if case .failure(let error) = result {
            #expect(error.description == "cannot read config file /nonexistent: no such file")
            #expect(error.kind == .unreadableFile)
        }
        #expect(throws: ConfigurationError.self) { try result.get() }

        // Without --config, /etc/kvsmaster/kvsmaster.conf is read when it exists and skipped when not.
        let plain = try DaemonArguments.parse(["cam"])
        let withDefault = DaemonConfigurationResolver(
            environment: [:], reader: .files([DaemonConfigurationResolver.defaultConfigurationPath: "max-viewers = 7"]))
        let resolved = try withDefault.resolve(plain).get()
        #expect(resolved.configuration.maxViewers == 7)
        #expect(resolved.configurationPath == "/etc/kvsmaster/kvsmaster.conf")
        let none = try DaemonConfigurationResolver(environment: [:], reader: .files([:])).resolve(plain).get()
        #expect(none.configuration.maxViewers == 10)
        #expect(none.configurationPath == nil)
    }

    @Test func realFileReader() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-\(getpid()).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "channel-name = from-file\nvideo-codec = h265\n".write(toFile: path, atomically: true, encoding: .utf8)
        let parsed = try DaemonArguments.parse(["--config", path])
        let resolved = try DaemonConfigurationResolver(environment: [:]).resolve(parsed).get()
        #expect(resolved.configuration.channelName == "from-file")
        #expect(resolved.configuration.videoCodec == .h265)
        #expect(ConfigurationFileReader.local.read("/nonexistent/kvsmaster.conf") == .failure(.missing))
        #expect(ConfigurationFileReader.local.read("/proc/self/mem") != .failure(.missing))
    }

    /// The shipped example mentions every key, and each of its commented-out values is valid.
    @Test func exampleFileCoversEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("config/kvsmaster.conf.example"), encoding: .utf8)
        #expect(try ConfigurationFile.parse(text, path: "example").get().entries.isEmpty)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("#") && line.dropFirst().first?.isLetter == true && line.contains(" = ") ? line.dropFirst() : line
        }.joined(separator: "\n")
        let entries = try ConfigurationFile.parse(uncommented, path: "example").get().entries
        #expect(Set(entries.map(\.key)) == Set(ConfigurationKey.allCases.map(\.rawValue)))
        for entry in entries {
            #expect(ConfigurationKey(rawValue: entry.key) != nil)
            let file = "\(entry.key) = '\(entry.value)'"
            #expect(configuration(["cam"], file: file) != nil, "\(entry.key) = \(entry.value)")
        }
    }
}
