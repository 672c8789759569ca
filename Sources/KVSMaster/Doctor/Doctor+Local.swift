import EventLoop
import Glibc
import Signaling
import WireKit

extension Doctor {
    /// Variables shown on the configuration line; secrets only as "set".
    static let shownVariables = [
        "AWS_DEFAULT_REGION", "CONTROL_PLANE_URI", "KVS_DUALSTACK_ENDPOINTS", "KVS_STUN_URI", "AWS_KVS_CACERT_PATH",
        "KVS_ICE_TRANSPORT_POLICY", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_IOT_CORE_CREDENTIAL_ENDPOINT",
        "AWS_IOT_CORE_ROLE_ALIAS", "AWS_IOT_CORE_THING_NAME", "AWS_IOT_CORE_CERT",
    ]
    static let secretVariables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_IOT_CORE_PRIVATE_KEY"]

    /// The configuration as resolved, with the endpoints derived from it; secrets are never
    /// shown, not even in part.
    func checkConfiguration(_ findings: inout Findings) -> DoctorResult {
        let name = "configuration"
        switch KVSEndpoints.resolve(environment: environment) {
        case .success(let endpoints): findings.endpoints = endpoints
        case .failure(let error):
            return .fail(name, error.description, fix: "correct or unset the variable (or the matching setting in the config file)")
        }
        guard let endpoints = findings.endpoints else { return .fail(name, "no endpoints", fix: "check the region") }
        var parts: [String] = []
        parts.append("channel \(channelName ?? "(none)")")
        parts.append("region \(endpoints.region)")
        parts.append("control plane \(endpoints.controlPlane)\(endpoints.controlPlaneOverridden ? " (CONTROL_PLANE_URI)" : "")")
        parts.append("STUN \(endpoints.stunURI)")
        parts.append("mode \(configuration.mode.rawValue)")
        parts.append("source \(Self.describe(configuration.source))")
        parts.append("video \(configuration.videoCodec)")
        if configuration.sendsAudio { parts.append("audio \(configuration.audioCodec)") }
        parts.append("max viewers \(configuration.maxViewers)")
        if configuration.relayOnly { parts.append("relay only") }
        parts.append("config file \(configurationPath ?? "(none)")")
        for variable in Self.shownVariables {
            if let value = environment[variable], !value.isEmpty { parts.append("\(variable)=\(value)") }
        }
        for variable in Self.secretVariables {
            if let value = environment[variable], !value.isEmpty { parts.append("\(variable)=(set, hidden)") }
        }
        return .pass(name, parts.joined(separator: ", "))
    }

    static func describe(_ source: DaemonConfiguration.Source) -> String {
        switch source {
        case .testsrc: "testsrc"
        case .devicesrc: "devicesrc"
        case .rtspsrc(let uri): "rtspsrc \(uri)"
        case .pipeline: "custom pipeline"
        case .sampleFrames(let video, let audio): "sample frames \(video)" + (audio.map { " + \($0)" } ?? "")
        case .annexB(let path): "Annex-B \(path)"
        }
    }

    /// AWS_KVS_CACERT_PATH, else the system store, else kvsmaster's bundle: found, and holds
    /// at least one certificate (the TLS handshake of the clock check proves it anchors KVS).
    func checkCABundle(_ findings: inout Findings) -> DoctorResult {
        let name = "ca-bundle"
        let bundle: CABundle
        switch CABundle.resolve(environment: environment) {
        case .success(let found): bundle = found
        case .failure(let error):
            return .fail(
                name, error.description,
                fix: "point \(CABundle.variable) at a PEM file or hashed directory of CA certificates, or unset it to use "
                    + "the system store (Debian: apt-get install ca-certificates), or install certs/\(CABundle.bundleFileName)")
        }
        findings.bundle = bundle
        let count: Int
        switch bundle.store {
        case .libraryDefault: return .pass(name, bundle.description)
        case .file(let path): count = Self.certificateCount(inFile: path)
        case .directory(let path): count = Self.certificateCount(inDirectory: path)
        }
        guard count > 0 else {
            return .fail(
                name, "\(bundle) holds no PEM certificate",
                fix: "use a PEM bundle (-----BEGIN CERTIFICATE-----), e.g. /etc/ssl/certs/ca-certificates.crt")
        }
        return .pass(name, "\(bundle), \(count) certificate\(count == 1 ? "" : "s")")
    }

    /// PEM certificates in a file (read up to 16 MiB).
    static func certificateCount(inFile path: String) -> Int {
        guard let file = fopen(path, "rb") else { return 0 }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 16 << 20 {
            let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if read <= 0 { break }
            bytes += chunk[0..<read]
        }
        let marker = Array("-----BEGIN CERTIFICATE-----".utf8)
        var count = 0
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0], bytes[index..<(index + marker.count)].elementsEqual(marker) {
                count += 1
                index += marker.count
            } else {
                index += 1
            }
        }
        return count
    }

    /// Certificates in a directory: OpenSSL hashed links (`xxxxxxxx.0`) and .pem/.crt files.
    static func certificateCount(inDirectory path: String) -> Int {
        guard let directory = opendir(path) else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".pem") || name.hasSuffix(".crt") || name.hasSuffix(".0") { count += 1 }
        }
        return count
    }

    /// The daemon's credential chain: which source answered (never a secret).
    func checkCredentials(_ findings: inout Findings) -> DoctorResult {
        let name = "credentials"
        switch CredentialProviderChain(environment: environment).resolve() {
        case .success(let resolved):
            findings.credentials = resolved.credentials
            var detail = "from \(resolved.source), access key \(Self.maskedKeyID(resolved.credentials.accessKeyID))"
            if resolved.credentials.sessionToken != nil { detail += " with a session token" }
            if let expiration = resolved.credentials.expiration {
                let left = expiration - RESTKVSClient.systemWallClock()
                if left <= 0 {
                    return .fail(name, detail + ", expired \(-left) s ago", fix: "refresh the temporary credentials")
                }
                detail += ", expires in \(left / 60) min"
            }
            guard resolved.warnings.isEmpty else {
                let skipped = resolved.warnings.map(\.description).joined(separator: "; ")
                return .warn(name, detail + "; skipped: \(skipped)", fix: "remove or complete the broken source")
            }
            return .pass(name, detail)
        case .failure(let error):
            return .fail(
                name, error.description,
                fix: "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), "
                    + "or add a [default] profile to ~/.aws/credentials, or set the AWS_IOT_CORE_* variables")
        }
    }

    /// The key ID's first four characters (they say the key type: AKIA long-term, ASIA
    /// temporary), the rest hidden.
    static func maskedKeyID(_ id: String) -> String { String(id.prefix(4)) + "****" }

    /// A global IPv6 address on some interface (RFC 4291 §2.5.4; not loopback, link-local or
    /// unique-local): without one, viewers on IPv6-only networks reach the camera only by TURN.
    func checkIPv6() -> DoctorResult {
        let name = "ipv6"
        let interfaces: [NetworkInterface]
        do {
            interfaces = try NetworkInterface.list()
        } catch {
            return .warn(name, "cannot list the network interfaces: \(error)")
        }
        let v6 = interfaces.filter { !$0.address.isIPv4 && !$0.address.isLoopback && !$0.address.isLinkLocal }
        if let global = v6.first(where: { !$0.address.isPrivate && !$0.address.isUnspecified }) {
            return .pass(name, "global address \(global.address) on \(global.name)")
        }
        let dualStack = findingsDualStack
        let detail = v6.isEmpty ? "no global IPv6 address (IPv4 only)" : "only unique-local IPv6 addresses (\(v6[0].address) on \(v6[0].name))"
        return .warn(
            name, detail + (dualStack ? "; KVS_DUALSTACK_ENDPOINTS=ON has no effect without one" : ""),
            fix: "fine on IPv4 networks; for IPv6 viewers give the camera a global IPv6 address (router advertisements or DHCPv6)")
    }

    var findingsDualStack: Bool {
        (try? KVSEndpoints.resolve(environment: environment).get())?.dualStack ?? false
    }
}
