import Signaling
import WireKit

extension Doctor {
    static let dnsFix = "check the DNS servers (/etc/resolv.conf) and that the network lets DNS queries out"

    /// Host and port of an authority (`host`, `host:port`, `[v6]:port`), `defaultPort` when
    /// none is given.
    static func hostPort(_ authority: Substring, defaultPort: UInt16) -> (host: String, port: UInt16)? {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            guard rest.hasPrefix(":") else { return rest.isEmpty ? (host, defaultPort) : nil }
            return UInt16(rest.dropFirst()).map { (host, $0) }
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, parts.count <= 2 else { return nil }
        guard parts.count == 2 else { return (String(first), defaultPort) }
        return UInt16(parts[1]).map { (String(first), $0) }
    }

    /// `scheme://authority/...` → host and port.
    static func urlHostPort(_ url: String, defaultPort: UInt16) -> (host: String, port: UInt16)? {
        var rest = Substring(url)
        if let separator = rest.firstTextRange(of: "://") { rest = rest[separator.upperBound...] }
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        return hostPort(rest[..<end], defaultPort: defaultPort)
    }

    var controlPlaneHostPort: (host: String, port: UInt16)? {
        guard let endpoints = try? KVSEndpoints.resolve(environment: environment).get() else { return nil }
        return Self.hostPort(endpoints.controlPlane.authority[...], defaultPort: 443)
    }

    /// One DNS line: every name resolves, with the addresses it gave.
    func resolveLine(_ name: String, _ hosts: [String]) -> DoctorResult {
        var found: [String] = []
        for host in hosts {
            guard let addresses = DoctorNetwork.resolve(host, limit: timeout) else {
                return .fail(name, "\(host): the lookup did not finish within \(timeout)", fix: Self.dnsFix)
            }
            guard !addresses.isEmpty else { return .fail(name, "\(host) does not resolve", fix: Self.dnsFix) }
            let shown = addresses.prefix(3).map(\.description).joined(separator: " ")
            found.append(IPAddress(host) == nil ? "\(host) → \(shown)" : "\(host) (IP literal)")
        }
        return .pass(name, found.joined(separator: ", "))
    }

    func checkControlPlaneDNS(_ findings: Findings) -> DoctorResult {
        guard let (host, _) = controlPlaneHostPort else { return .warn("dns-control", "skipped: no control-plane endpoint") }
        return resolveLine("dns-control", [host])
    }

    /// A TCP connection to the control plane's port (443 unless CONTROL_PLANE_URI names another).
    func checkControlPlaneTCP(_ findings: Findings) -> DoctorResult {
        let name = "tcp-443"
        guard let (host, port) = controlPlaneHostPort else { return .warn(name, "skipped: no control-plane endpoint") }
        guard let address = DoctorNetwork.resolve(host, limit: timeout)?.first else {
            return .warn(name, "skipped: \(host) does not resolve")
        }
        let target = SocketAddress(ip: address, port: port)
        switch DoctorNetwork.connectTCP(target, limit: timeout) {
        case .success(let elapsed):
            return .pass(name, "connected to \(host) at \(target) in \(elapsed.milliseconds) ms")
        case .failure(let error):
            return .fail(
                name, "cannot connect to \(host) at \(target): \(error)",
                fix: "allow outbound TCP \(port) (HTTPS) to \(host), through the firewall or proxy")
        }
    }

    /// The control plane's Date header against the local clock: SigV4 rejects requests signed
    /// more than 5 minutes off (KVS developer guide, troubleshooting "Signature expired").
    /// The same exchange proves the CA bundle anchors the endpoint's certificate.
    func checkClock(_ findings: inout Findings) -> DoctorResult {
        let name = "clock"
        guard let endpoints = findings.endpoints else { return .warn(name, "skipped: no control-plane endpoint") }
        guard let bundle = findings.bundle else { return .warn(name, "skipped: no usable CA bundle to reach KVS with") }
        let http: RESTClient
        do {
            http = try RESTClient(
                configuration: RESTClient.Configuration(trustStore: bundle.store, connectTimeout: timeout, totalTimeout: timeout))
        } catch {
            return .fail(name, "cannot start the HTTPS client: \(error)", fix: "run kvsmaster selfcheck")
        }
        findings.kvs = RESTKVSClient(http: http, endpoints: endpoints)
        let request = HTTPRequest(method: "GET", url: endpoints.controlPlane.url(path: "/"))
        let limit = timeout + .seconds(1)
        guard let outcome = DoctorNetwork.awaitCompletion(limit, { done in http.send(request, completion: done) }) else {
            return .fail(name, "no answer from \(endpoints.controlPlane) within \(limit)", fix: "check tcp-443 above")
        }
        let response: HTTPResponse
        switch outcome {
        case .success(let answer): response = answer
        case .failure(.certificateUntrusted(let detail)):
            return .fail(
                name, "\(endpoints.controlPlane): certificate not trusted by \(bundle.store): \(detail)",
                fix: "point \(CABundle.variable) at a bundle holding the Amazon root CAs (certs/\(CABundle.bundleFileName))")
        case .failure(let error):
            return .fail(name, "\(endpoints.controlPlane): \(error)", fix: "check dns-control and tcp-443 above")
        }
        let now = RESTKVSClient.systemWallClock()
        guard let server = response.date else {
            return .warn(name, "\(endpoints.controlPlane) sent no Date header; the clock was not compared")
        }
        let offset = server - now
        findings.clockOffset = .seconds(offset)
        return Self.clockVerdict(offsetSeconds: offset, serverDate: HTTPDate.format(server))
    }

    /// FAIL beyond SigV4's 5 minutes, WARN beyond one (TURN credentials and certificate
    /// validity suffer too), else PASS.
    static func clockVerdict(offsetSeconds offset: Int64, serverDate: String) -> DoctorResult {
        let name = "clock"
        let magnitude = offset < 0 ? -offset : offset
        let direction = offset > 0 ? "behind" : "ahead of"
        let detail = "local clock \(magnitude) s \(direction) KVS (server Date: \(serverDate))"
        let fix = "synchronize the clock with NTP (timedatectl set-ntp true, or chrony / systemd-timesyncd)"
        if magnitude > 300 {
            return .fail(name, detail + "; SigV4 rejects requests signed more than 5 min off", fix: fix)
        }
        if magnitude > 60 { return .warn(name, detail, fix: fix) }
        return .pass(name, magnitude == 0 ? "in step with KVS (server Date: \(serverDate))" : detail)
    }
}
