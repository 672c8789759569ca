import KVSMaster
import Testing

/// Command line > environment > config file > defaults, for daemon settings and for the
/// signaling settings that end up in the effective environment.
@Suite struct ConfigurationPrecedenceTests {
    @Test func logLevelLayers() {
        let file = "log-level = 2"
        let environment = ["AWS_KVS_LOG_LEVEL": "3"]
        #expect(configuration(["cam", "--log-level", "5"], environment: environment, file: file)?.logLevel == .error)
        #expect(configuration(["cam"], environment: environment, file: file)?.logLevel == .info)
        #expect(configuration(["cam"], file: file)?.logLevel == .debug)
        #expect(configuration(["cam"])?.logLevel == .warning)
    }

    @Test func regionLayersAndEffectiveEnvironment() throws {
        let file = "region = eu-west-1"
        let environment = ["AWS_DEFAULT_REGION": "us-east-1", "HOME": "/home/k"]
        let cli = try resolveSettings(["cam", "--region", "ap-south-1"], environment: environment, file: file).get()
        #expect(cli.configuration.region == "ap-south-1")
        #expect(cli.environment == ["AWS_DEFAULT_REGION": "ap-south-1", "HOME": "/home/k"])
        let env = try resolveSettings(["cam"], environment: environment, file: file).get()
        #expect(env.configuration.region == "us-east-1")
        #expect(env.environment == environment)
        let fromFile = try resolveSettings(["cam"], environment: ["HOME": "/home/k"], file: file).get()
        #expect(fromFile.configuration.region == "eu-west-1")
        #expect(fromFile.environment == ["AWS_DEFAULT_REGION": "eu-west-1", "HOME": "/home/k"])
        // An empty variable counts as unset.
        let empty = try resolveSettings(["cam"], environment: ["AWS_DEFAULT_REGION": ""], file: file).get()
        #expect(empty.environment["AWS_DEFAULT_REGION"] == "eu-west-1")
        #expect(try resolveSettings(["cam"]).get().configuration.region == nil)
    }

    @Test func iceTransportPolicyLayers() {
        #expect(configuration(["cam", "--relay-only"], environment: ["KVS_ICE_TRANSPORT_POLICY": "all"], file: "ice-transport-policy = all")?.relayOnly == true)
        #expect(configuration(["cam"], environment: ["KVS_ICE_TRANSPORT_POLICY": "all"], file: "ice-transport-policy = relay")?.relayOnly == false)
        #expect(configuration(["cam"], environment: ["KVS_ICE_TRANSPORT_POLICY": "RELAY"])?.relayOnly == true)
        #expect(configuration(["cam"], file: "ice-transport-policy = relay")?.relayOnly == true)
        #expect(configuration(["cam"])?.relayOnly == false)
    }

    @Test func logSDPAndFileLogging() {
        #expect(configuration(["cam"], environment: ["DEBUG_LOG_SDP": "TRUE"])?.logSDP == true)
        #expect(configuration(["cam"], environment: ["DEBUG_LOG_SDP": "1"])?.logSDP == true)
        #expect(configuration(["cam"], environment: ["DEBUG_LOG_SDP": "false"], file: "log-sdp = true")?.logSDP == false)
        #expect(configuration(["cam", "--log-sdp"], environment: ["DEBUG_LOG_SDP": "false"])?.logSDP == true)

        #expect(
            configuration(["cam"], environment: ["AWS_ENABLE_FILE_LOGGING": "TRUE", "STATE_DIRECTORY": "/var/lib/kvsmaster"])?.logFile
                == "/var/lib/kvsmaster/kvsmaster.log")
        #expect(configuration(["cam"], environment: ["AWS_ENABLE_FILE_LOGGING": "TRUE"])?.logFile == "kvsmaster.log")
        #expect(configuration(["cam", "--log-file", "/tmp/x.log"], environment: ["AWS_ENABLE_FILE_LOGGING": "TRUE"])?.logFile == "/tmp/x.log")
        #expect(configuration(["cam"], file: "file-logging = yes\nstate-directory = /data")?.logFile == "/data/kvsmaster.log")
        #expect(configuration(["cam"])?.logFile == nil)
    }

    @Test func stateDirectoryFromSystemd() throws {
        let resolved = try resolveSettings(["cam"], environment: ["STATE_DIRECTORY": "/var/lib/kvsmaster:/var/lib/other"]).get()
        #expect(resolved.configuration.stateDirectory == "/var/lib/kvsmaster")
        let cli = try resolveSettings(["cam", "--state-directory", "/data"], environment: ["STATE_DIRECTORY": "/var/lib/kvsmaster"]).get()
        #expect(cli.configuration.stateDirectory == "/data")
        #expect(cli.environment["STATE_DIRECTORY"] == "/data")
    }

    @Test func daemonSettingsFileVersusCommandLine() {
        let file = """
            channel-name = from-file
            max-viewers = 3
            video-codec = h265
            stats-interval = 30
            data-channel-reply = ""
            """
        let fromFile = configuration([], file: file)
        #expect(fromFile?.channelName == "from-file")
        #expect(fromFile?.maxViewers == 3)
        #expect(fromFile?.videoCodec == .h265)
        #expect(fromFile?.statsInterval == .seconds(30))
        #expect(fromFile?.dataChannelReply == nil)
        let cli = configuration(["cam", "--max-viewers", "5", "--data-channel-reply", "yo"], file: file)
        #expect(cli?.channelName == "cam")
        #expect(cli?.maxViewers == 5)
        #expect(cli?.videoCodec == .h265)
        #expect(cli?.dataChannelReply == "yo")
        #expect(configuration(["cam", "audio-video", "testsrc", "opus", "h264"], file: file)?.videoCodec == .h264)
    }

    @Test func sourceAcrossLayers() {
        let pipelineFile = "pipeline = \"videotestsrc ! x264enc ! appsink name=video\""
        #expect(configuration(["cam"], file: pipelineFile)?.source == .pipeline("videotestsrc ! x264enc ! appsink name=video"))
        #expect(configuration(["cam", "--annexb", "-"], file: pipelineFile)?.source == .annexB(path: "-"))
        #expect(configuration(["cam", "video-only", "devicesrc"], file: pipelineFile)?.source == .devicesrc)
        #expect(configuration(["cam", "--source", "rtspsrc"], file: "rtsp-uri = rtsp://cam/1")?.source == .rtspsrc(uri: "rtsp://cam/1"))
        #expect(
            configuration(["cam", "--rtsp-uri", "rtsp://cam/2"], file: "source = rtspsrc\nrtsp-uri = rtsp://cam/1")?.source
                == .rtspsrc(uri: "rtsp://cam/2"))
        #expect(
            configurationError(["cam"], file: "source = devicesrc\n\nannexb = /x")
                == "kvsmaster.conf:3: annexb: only used with source annexb, but kvsmaster.conf:1 chose devicesrc")
        #expect(
            configurationError(["cam"], file: "source = rtspsrc")
                == "kvsmaster.conf:1: source rtspsrc needs an RTSP URI, the 4th argument (--rtsp-uri or rtsp-uri in the config file)")
    }

    @Test func signalingSettingsFromTheFileEnterTheEnvironment() throws {
        let file = """
            control-plane-uri = https://localhost:8443
            dualstack-endpoints = yes
            stun-uri = stun:127.0.0.1:3478
            ca-cert-path = /etc/kvsmaster/certs/amazon-root-cas.pem
            iot-credential-endpoint = abc.credentials.iot.us-west-2.amazonaws.com
            iot-cert = /etc/kvsmaster/iot/cert.pem
            iot-private-key = /etc/kvsmaster/iot/key.pem
            iot-role-alias = cam-role
            iot-thing-name = cam-1
            log-level = debug
            log-sdp = on
            file-logging = off
            ice-transport-policy = Relay
            """
        let real = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "KVS_STUN_URI": "stun:from-env:3478"]
        let resolved = try resolveSettings(["cam"], environment: real, file: file).get()
        #expect(
            resolved.environment == [
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "CONTROL_PLANE_URI": "https://localhost:8443",
                "KVS_DUALSTACK_ENDPOINTS": "ON",
                "KVS_STUN_URI": "stun:from-env:3478",
                "AWS_KVS_CACERT_PATH": "/etc/kvsmaster/certs/amazon-root-cas.pem",
                "AWS_IOT_CORE_CREDENTIAL_ENDPOINT": "abc.credentials.iot.us-west-2.amazonaws.com",
                "AWS_IOT_CORE_CERT": "/etc/kvsmaster/iot/cert.pem",
                "AWS_IOT_CORE_PRIVATE_KEY": "/etc/kvsmaster/iot/key.pem",
                "AWS_IOT_CORE_ROLE_ALIAS": "cam-role",
                "AWS_IOT_CORE_THING_NAME": "cam-1",
                "AWS_KVS_LOG_LEVEL": "2",
                "DEBUG_LOG_SDP": "TRUE",
                "AWS_ENABLE_FILE_LOGGING": "FALSE",
                "KVS_ICE_TRANSPORT_POLICY": "relay",
            ])
        let cli = try resolveSettings(
            ["cam", "--control-plane-uri", "https://cli:9443", "--stun-uri", "stun:cli:1", "--ca-cert-path", "/ca.pem"],
            environment: real, file: file
        ).get()
        #expect(cli.environment["CONTROL_PLANE_URI"] == "https://cli:9443")
        #expect(cli.environment["KVS_STUN_URI"] == "stun:cli:1")
        #expect(cli.environment["AWS_KVS_CACERT_PATH"] == "/ca.pem")
    }

    @Test func badEnvironmentValuesNameTheVariable() {
        #expect(
            configurationError(["cam"], environment: ["AWS_KVS_LOG_LEVEL": "loud"])
                == "AWS_KVS_LOG_LEVEL: expected 1 (verbose) to 7 (silent) or verbose, debug, info, warning, error, fatal, silent, got \"loud\"")
        #expect(
            configurationError(["cam"], environment: ["KVS_ICE_TRANSPORT_POLICY": "relayonly"])
                == "KVS_ICE_TRANSPORT_POLICY: expected relay or all, got \"relayonly\"")
        #expect(
            configurationError(["cam"], environment: ["CONTROL_PLANE_URI": "ftp://x"])
                == "CONTROL_PLANE_URI: expected an https:// URL (TLS is required), got \"ftp://x\"")
    }
}
