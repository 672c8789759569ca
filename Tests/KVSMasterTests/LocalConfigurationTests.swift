import KVSMaster
import Signaling
import Testing
import WireKit

/// `--local`, `--listen` and `--token` through the command line, the config file and the
/// environment, and the settings the daemon derives from them.
@Suite struct LocalConfigurationTests {
    func resolve(_ arguments: [String], environment: [String: String] = [:], file: String? = nil) -> Result<DaemonConfiguration, ConfigurationError> {
        let parsed: DaemonArguments
        do {
            parsed = try DaemonArguments.parse(arguments)
        } catch {
            return .failure(ConfigurationError(.invalidValue, origin: nil, key: nil, message: "\(error)"))
        }
        let configurationFile = file.map { try? ConfigurationFile.parse($0, path: "test.conf").get() } ?? nil
        return DaemonConfigurationResolver.resolve(arguments: parsed, environment: environment, file: configurationFile)
            .map(\.configuration)
    }

    @Test func defaultsAreLoopbackWithoutAToken() throws {
        let configuration = try resolve(["demo", "--local"]).get()
        #expect(configuration.localMode)
        #expect(configuration.listen == SocketAddress("127.0.0.1:8080"))
        #expect(configuration.localToken == nil)
        #expect(try resolve(["demo"]).get().localMode == false)
    }

    @Test func listenAndTokenFromEachLayer() throws {
        let cli = try resolve(["demo", "--local", "--listen", "[::1]:9000", "--token", "abcdefgh-123"]).get()
        #expect(cli.listen == SocketAddress("[::1]:9000"))
        #expect(cli.localToken == "abcdefgh-123")
        #expect(try resolve(["demo", "--listen", "8081"]).get().listen == SocketAddress("127.0.0.1:8081"))
        let file = try resolve(["demo"], file: "local = true\nlisten = 0.0.0.0:8443\ntoken = from-the-file-1\n").get()
        #expect(file.localMode && file.listen == SocketAddress("0.0.0.0:8443") && file.localToken == "from-the-file-1")
        let environment = try resolve(["demo", "--local"], environment: ["KVSMASTER_LOCAL_TOKEN": "from-the-env-1"], file: "token = from-the-file-1\n").get()
        #expect(environment.localToken == "from-the-env-1")
    }

    @Test func badValuesAreRefusedWithoutEchoingTheToken() {
        guard case .failure(let listen) = resolve(["demo", "--local", "--listen", "camera.local:80"]) else {
            Issue.record("a host name was accepted for --listen")
            return
        }
        #expect("\(listen)".contains("expected HOST:PORT"))
        guard case .failure(let token) = resolve(["demo", "--local", "--token", "short"]) else {
            Issue.record("a 5-character token was accepted")
            return
        }
        #expect("\(token)".contains("8 to 128"))
        guard case .failure(let spaced) = resolve(["demo"], file: "token = has spaces in it\n") else {
            Issue.record("a token with spaces was accepted")
            return
        }
        #expect(!"\(spaced)".contains("has spaces"))
        guard case .failure(let storage) = resolve(["demo", "audio-video-storage", "--local"]) else {
            Issue.record("storage mode was accepted in local mode")
            return
        }
        #expect("\(storage)".contains("cannot run in local mode"))
    }

    @Test func aTokenIsGeneratedOnlyOffLoopback() throws {
        let loopback = LocalSignalingSettings.resolve(listen: SocketAddress("127.0.0.1:8080")!, token: nil, maxConnections: 10)
        #expect(loopback.token == nil)
        #expect(loopback.viewerURL() == "http://127.0.0.1:8080/")
        let wildcard = LocalSignalingSettings.resolve(listen: SocketAddress("0.0.0.0:8080")!, token: nil, maxConnections: 10)
        let token = try #require(wildcard.token)
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
        #expect(wildcard.viewerURL() == "http://<camera-address>:8080/?token=\(token)")
        let other = LocalSignalingSettings.resolve(listen: SocketAddress("0.0.0.0:8080")!, token: nil, maxConnections: 10)
        #expect(other.token != token)
        let configured = LocalSignalingSettings.resolve(listen: SocketAddress("[::1]:8080")!, token: "set-by-hand", maxConnections: 4)
        #expect(configured.viewerURL() == "http://[::1]:8080/?token=set-by-hand")
        #expect(configured.maxConnections == 4)
    }

    @Test func loopbackListenAddsLoopbackCandidates() {
        var configuration = DaemonConfiguration(channelName: "demo")
        configuration.localMode = true
        var onLoopback = MasterSettings(daemon: configuration)
        onLoopback.adoptLocalMode(listen: SocketAddress("127.0.0.1:8080")!)
        #expect(onLoopback.ice.includeLoopback)
        var offLoopback = MasterSettings(daemon: configuration)
        offLoopback.adoptLocalMode(listen: SocketAddress("0.0.0.0:8080")!)
        #expect(!offLoopback.ice.includeLoopback)
    }
}
