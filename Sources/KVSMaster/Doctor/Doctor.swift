import Signaling

/// `kvsmaster doctor [channel-name]`: diagnoses a camera's setup the way the KVS developer
/// guide's troubleshooting sections do (clock, certificates, credentials, DNS, blocked ports,
/// STUN/TURN, IPv6, media elements), one line per check with a verdict and, when something is
/// wrong, what to change.
///
/// It reads the same configuration as the daemon (command line, environment, config file) and
/// talks to the same endpoints, so a PASS here means the daemon's first steps work. Every check
/// that touches the network is bounded by ``timeout``; later checks use what earlier ones
/// found (the server clock offset, the channel ARN, the TURN credentials) and say why they
/// are skipped when an earlier one could not provide it.
public struct Doctor: Sendable {
    /// The daemon's configuration as resolved; its channel name is ignored when `channelName`
    /// is nil.
    public var configuration: DaemonConfiguration
    /// The channel to check; nil checks everything that needs no channel.
    public var channelName: String?
    /// The effective environment (the process's plus the settings of the command line and
    /// the config file), as the daemon receives it.
    public var environment: [String: String]
    /// The config file that was read, for the configuration line.
    public var configurationPath: String?
    /// The bound of each network check.
    public var timeout: Duration

    public init(
        configuration: DaemonConfiguration, channelName: String?, environment: [String: String],
        configurationPath: String? = nil, timeout: Duration = .seconds(5)
    ) {
        self.configuration = configuration
        self.channelName = channelName
        self.environment = environment
        self.configurationPath = configurationPath
        self.timeout = timeout
    }

    /// The channel name the resolver is given when none is configured, so that every other
    /// setting is still resolved and checked (doctor runs without a channel).
    public static let placeholderChannel = "kvsmaster-doctor-no-channel"

    /// What earlier checks found that later ones need.
    struct Findings {
        var endpoints: KVSEndpoints?
        var bundle: CABundle?
        var credentials: AWSCredentials?
        /// Server minus local clock, from the control plane's Date header.
        var clockOffset: Duration = .zero
        var kvs: RESTKVSClient?
        var channelARN: String?
        var signaling: KVSChannelEndpoints?
        var iceServers: KVSIceServerConfig?
    }

    /// Runs every check in order, calling `report` as each finishes (network checks take up to
    /// ``timeout`` each, so progress shows). True when none failed.
    public func run(report: (DoctorResult) -> Void) -> Bool {
        var findings = Findings()
        var passed = true
        func emit(_ result: DoctorResult) {
            if result.verdict == .fail { passed = false }
            report(result)
        }
        emit(checkConfiguration(&findings))
        emit(checkCABundle(&findings))
        emit(checkCredentials(&findings))
        emit(checkControlPlaneDNS(findings))
        emit(checkControlPlaneTCP(findings))
        emit(checkClock(&findings))
        emit(checkChannel(&findings))
        emit(checkSignalingDNS(findings))
        emit(checkIceServerConfig(&findings))
        emit(checkSTUNDNS(findings))
        emit(checkSTUNBinding(findings))
        emit(checkTURNDNS(findings))
        emit(checkTURNAllocation(findings, transport: .udp))
        emit(checkTURNAllocation(findings, transport: .tls))
        emit(checkIPv6())
        for result in checkMedia() { emit(result) }
        findings.kvs?.http.close()
        return passed
    }
}

extension Doctor {
    /// Resolves the daemon's configuration from `arguments` like `kvsmaster run` does; a
    /// missing channel name is not an error here (doctor then skips the channel checks).
    public static func resolve(
        arguments: DaemonArguments, environment: [String: String], timeout: Duration = .seconds(5)
    ) -> Result<Doctor, ConfigurationError> {
        let resolver = DaemonConfigurationResolver(environment: environment)
        var channelGiven = true
        var outcome = resolver.resolve(arguments)
        if case .failure = outcome, arguments.channelArgument == nil, arguments.channelName == nil {
            var withPlaceholder = arguments
            withPlaceholder.channelName = placeholderChannel
            outcome = resolver.resolve(withPlaceholder)
            channelGiven = false
        }
        return outcome.map { resolved in
            Doctor(
                configuration: resolved.configuration, channelName: channelGiven ? resolved.configuration.channelName : nil,
                environment: resolved.environment, configurationPath: resolved.configurationPath, timeout: timeout)
        }
    }
}
