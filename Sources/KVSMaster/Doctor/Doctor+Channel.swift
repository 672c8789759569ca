import Signaling
import WireKit

extension Doctor {
    /// Calls the KVS API and waits for its answer (bounded).
    func callKVS<Value: Sendable>(
        _ start: (@escaping @Sendable (Result<RESTKVSReply<Value>, KVSAPIError>) -> Void) -> Void
    ) -> Result<Value, KVSAPIError> {
        let limit = timeout + .seconds(1)
        guard let outcome = DoctorNetwork.awaitCompletion(limit, start) else {
            return .failure(KVSAPIError(kind: .timeout, errorType: nil, message: "no answer within \(limit)"))
        }
        return outcome.map(\.value)
    }

    /// What to do about a failed signed call.
    static func fix(for error: KVSAPIError, operation: String) -> String {
        if error.isClockSkew { return "synchronize the clock with NTP (see the clock line)" }
        switch error.status {
        case 401?, 403?:
            return "check the access key and secret, and that the IAM policy allows kinesisvideo:\(operation)"
        case 404?:
            return "check the channel name and AWS_DEFAULT_REGION"
        default:
            return "check tcp-443 and the clock above; retry later if KVS is unavailable"
        }
    }

    /// DescribeSignalingChannel, then GetSignalingChannelEndpoint (WSS and HTTPS), signed with
    /// the credentials found and the clock offset measured.
    func checkChannel(_ findings: inout Findings) -> DoctorResult {
        let name = "channel"
        guard let channel = channelName else {
            return .warn(name, "skipped: no channel name given (kvsmaster doctor CHANNEL checks the channel, signaling and TURN)")
        }
        guard let kvs = findings.kvs else { return .warn(name, "skipped: KVS was not reached (see above)") }
        guard let credentials = findings.credentials else { return .warn(name, "skipped: no credentials") }
        let offset = findings.clockOffset
        let described: Result<KVSResponse, KVSAPIError> = callKVS { done in
            kvs.call(.describeChannel(name: channel), credentials: credentials, clockOffset: offset, completion: done)
        }
        let info: KVSChannelInfo
        switch described {
        case .success(.channelDescribed(let answer)): info = answer
        case .success(let other): return .fail(name, "unexpected answer \(other)", fix: "report this")
        case .failure(let error) where error.status == 404:
            return .warn(
                name, "channel '\(channel)' does not exist in \(kvs.endpoints.region) yet",
                fix: "the daemon creates it at start (needs kinesisvideo:CreateSignalingChannel), or create it with "
                    + "aws kinesisvideo create-signaling-channel --channel-name \(channel)")
        case .failure(let error):
            return .fail(name, "DescribeSignalingChannel: \(error)", fix: Self.fix(for: error, operation: "DescribeSignalingChannel"))
        }
        guard info.isActive else {
            return .fail(name, "channel '\(channel)' is \(info.status), not ACTIVE", fix: "wait for it to become ACTIVE, or recreate it")
        }
        findings.channelARN = info.arn
        let endpoints: Result<KVSResourceEndpoints, KVSAPIError> = callKVS { done in
            kvs.getEndpoints(channelARN: info.arn, includeWebRTC: false, credentials: credentials, clockOffset: offset, completion: done)
        }
        switch endpoints {
        case .success(let found):
            findings.signaling = found.signaling
            return .pass(name, "'\(channel)' ACTIVE (\(info.arn)), signaling \(found.signaling.webSocket)")
        case .failure(let error):
            return .fail(
                name, "GetSignalingChannelEndpoint: \(error)", fix: Self.fix(for: error, operation: "GetSignalingChannelEndpoint"))
        }
    }

    func checkSignalingDNS(_ findings: Findings) -> DoctorResult {
        let name = "dns-signaling"
        guard let signaling = findings.signaling else { return .warn(name, "skipped: no signaling endpoint (needs the channel)") }
        var hosts: [String] = []
        for url in [signaling.webSocket, signaling.https] {
            if let (host, _) = Self.urlHostPort(url, defaultPort: 443), !hosts.contains(host) { hosts.append(host) }
        }
        guard !hosts.isEmpty else { return .fail(name, "unusable endpoint \(signaling.webSocket)", fix: "report this") }
        return resolveLine(name, hosts)
    }

    /// GetIceServerConfig on the channel's HTTPS endpoint: fresh TURN credentials.
    func checkIceServerConfig(_ findings: inout Findings) -> DoctorResult {
        let name = "ice-config"
        guard let kvs = findings.kvs, let credentials = findings.credentials, let arn = findings.channelARN,
            let signaling = findings.signaling
        else { return .warn(name, "skipped: needs the channel and its signaling endpoint") }
        let offset = findings.clockOffset
        let answer: Result<KVSResponse, KVSAPIError> = callKVS { done in
            kvs.call(
                .getIceServerConfig(channelARN: arn, httpsEndpoint: signaling.https, clientId: "kvsmaster-doctor"),
                credentials: credentials, clockOffset: offset, completion: done)
        }
        switch answer {
        case .success(.iceServerConfig(let config)):
            findings.iceServers = config
            let uris = config.servers.flatMap(\.uris)
            guard !uris.isEmpty else {
                return .warn(name, "GetIceServerConfig listed no TURN server", fix: "only STUN and host candidates will be used")
            }
            let ttl = config.minimumTTL.map { " (ttl \($0.components.seconds) s)" } ?? ""
            return .pass(name, "\(config.servers.count) TURN configuration(s)\(ttl): " + uris.joined(separator: " "))
        case .success(let other): return .fail(name, "unexpected answer \(other)", fix: "report this")
        case .failure(let error):
            return .fail(name, "GetIceServerConfig: \(error)", fix: Self.fix(for: error, operation: "GetIceServerConfig"))
        }
    }

    var stunHostPort: ICEServerResolver.Plan.HostPort? {
        guard let endpoints = try? KVSEndpoints.resolve(environment: environment).get() else { return nil }
        return ICEServerResolver.stunHostPort(endpoints.stunURI)
    }

    func checkSTUNDNS(_ findings: Findings) -> DoctorResult {
        guard let server = stunHostPort else {
            return .fail("dns-stun", "the STUN URI is not stun:host[:port]", fix: "correct KVS_STUN_URI or unset it")
        }
        return resolveLine("dns-stun", [server.host])
    }

    /// A Binding request to the KVS STUN server: the public (server-reflexive) address viewers
    /// will be offered.
    func checkSTUNBinding(_ findings: Findings) -> DoctorResult {
        let name = "stun"
        guard let server = stunHostPort else { return .warn(name, "skipped: no STUN server") }
        guard let ip = DoctorNetwork.resolve(server.host, limit: timeout)?.first else {
            return .warn(name, "skipped: \(server.host) does not resolve")
        }
        let address = SocketAddress(ip: ip, port: server.port)
        switch DoctorNetwork.stunBinding(address, limit: timeout) {
        case .success(let mapped):
            return .pass(name, "public address \(mapped.ip) (port \(mapped.port)) seen by \(server.host) at \(address)")
        case .failure(let error):
            return .fail(
                name, "Binding request to \(address): \(error)",
                fix: "allow outbound UDP to port \(server.port); without it viewers can connect only through TURN over TCP/TLS")
        }
    }

    /// The hosts of the TURN URIs the daemon would use.
    func checkTURNDNS(_ findings: Findings) -> DoctorResult {
        let name = "dns-turn"
        guard let config = findings.iceServers else { return .warn(name, "skipped: no TURN servers (needs ice-config)") }
        let plan = ICEServerResolver.plan(config, turnIndex: configuration.iceServerIndex)
        var hosts: [String] = []
        for entry in plan.turn where !hosts.contains(entry.url.host) { hosts.append(entry.url.host) }
        guard !hosts.isEmpty else { return .warn(name, "skipped: GetIceServerConfig listed no TURN URI") }
        return resolveLine(name, hosts)
    }
}
