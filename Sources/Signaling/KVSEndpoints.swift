import WireKit

/// An `https://authority[/base]` URL split into what SigV4 and libcurl need (RFC 3986 §3:
/// scheme, authority, path). Only https is accepted: TLS is never optional.
public struct HTTPSEndpoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `host` or `host:port`, lowercased, without `:443`: the value of the `Host` header and
    /// of SigV4's signed `host` (AWS SigV4 leaves the default port out).
    public var authority: String
    /// A path prefix without a trailing slash (usually empty).
    public var basePath: String

    /// Parses `https://host[:port][/path]`, or a bare `host[:port]` taken as https.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingASCIIWhitespace())
        if let separator = rest.firstTextRange(of: "://") {
            guard rest[..<separator.lowerBound].lowercased() == "https" else { return nil }
            rest = rest[separator.upperBound...]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash].lowercased()
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        guard HTTPSEndpoint.isValidAuthority(authority[...]), !path.contains("?"), !path.contains("#"),
            !path.utf8.contains(where: { $0 <= 32 || $0 == 127 })
        else { return nil }
        if authority.hasSuffix(":443") { authority.removeLast(4) }
        self.authority = authority
        self.basePath = path
    }

    /// RFC 3986 §3.2.2–3.2.3 as far as an https endpoint needs: a registered name (letters,
    /// digits, `.`, `-`, `_`) or a bracketed IPv6 literal, then an optional port 1–65535.
    static func isValidAuthority(_ authority: Substring) -> Bool {
        var host = authority
        var port: Substring? = nil
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]"),
                case .v6? = IPAddress(host[host.index(after: host.startIndex)..<close])
            else { return false }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return false }
                port = rest.dropFirst()
            }
            host = host[...close]
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            let nameByte = { (c: UInt8) in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x5F
            }
            guard !host.isEmpty, host.utf8.allSatisfy(nameByte) else { return false }
        }
        if let port {
            guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let number = Int(port), (1...65535).contains(number)
            else { return false }
        }
        return true
    }

    /// `https://authority/base` + `path`.
    public func url(path: String) -> String { "https://\(authority)\(basePath)\(path)" }

    public var description: String { "https://\(authority)\(basePath)" }
}

/// Where kvsmaster's KVS control-plane calls go, resolved from the environment the way the KVS
/// C SDK reads it (KVS developer guide, "Use IPv6/Dual-Stack endpoints"; the SDK's
/// CONTROL_PLANE_URI and AWS_DEFAULT_REGION): `https://kinesisvideo.<region>.amazonaws.com`,
/// `.amazonaws.com.cn` in China, `kinesisvideo.<region>.api.aws` (China:
/// `.api.amazonwebservices.com.cn`) when KVS_DUALSTACK_ENDPOINTS=ON, or CONTROL_PLANE_URI.
public struct KVSEndpoints: Sendable, Equatable {
    public static let regionVariable = "AWS_DEFAULT_REGION"
    public static let dualStackVariable = "KVS_DUALSTACK_ENDPOINTS"
    public static let controlPlaneVariable = "CONTROL_PLANE_URI"
    public static let stunVariable = "KVS_STUN_URI"
    public static let defaultRegion = "us-west-2"

    public var region: String
    public var dualStack: Bool
    public var controlPlane: HTTPSEndpoint
    /// Whether CONTROL_PLANE_URI replaced the regional endpoint.
    public var controlPlaneOverridden: Bool
    /// `stun:stun.kinesisvideo.<region>.amazonaws.com:443` or KVS_STUN_URI.
    public var stunURI: String

    public init(region: String, dualStack: Bool, controlPlane: HTTPSEndpoint, controlPlaneOverridden: Bool, stunURI: String) {
        self.region = region
        self.dualStack = dualStack
        self.controlPlane = controlPlane
        self.controlPlaneOverridden = controlPlaneOverridden
        self.stunURI = stunURI
    }

    /// Resolves the endpoints from `environment` (a pure function: no lookups, no I/O).
    public static func resolve(environment: [String: String]) -> Result<KVSEndpoints, KVSEndpointsError> {
        let value = { (name: String) -> String? in
            guard let text = environment[name]?.trimmingASCIIWhitespace(), !text.isEmpty else { return nil }
            return text
        }
        let region = value(regionVariable) ?? defaultRegion
        guard isValidRegion(region) else { return .failure(.invalidRegion(region)) }
        let dualStack = value(dualStackVariable).map { ["on", "true", "1", "yes"].contains($0.lowercased()) } ?? false
        let controlPlane: HTTPSEndpoint
        let overridden: Bool
        if let override = value(controlPlaneVariable) {
            guard let endpoint = HTTPSEndpoint(override) else { return .failure(.invalidControlPlaneURI(override)) }
            controlPlane = endpoint
            overridden = true
        } else {
            // The region passed the character check, so the host is well formed.
            guard let endpoint = HTTPSEndpoint(controlPlaneURL(region: region, dualStack: dualStack)) else {
                return .failure(.invalidRegion(region))
            }
            controlPlane = endpoint
            overridden = false
        }
        let stun = value(stunVariable) ?? defaultSTUNURI(region: region, dualStack: dualStack)
        return .success(
            KVSEndpoints(
                region: region, dualStack: dualStack, controlPlane: controlPlane, controlPlaneOverridden: overridden,
                stunURI: stun))
    }

    /// The regional control-plane URL.
    public static func controlPlaneURL(region: String, dualStack: Bool) -> String {
        "https://kinesisvideo.\(region).\(domain(region: region, dualStack: dualStack))"
    }

    /// The region's KVS STUN server (KVS developer guide, "Evaluate ICE candidate generation").
    public static func defaultSTUNURI(region: String, dualStack: Bool) -> String {
        "stun:stun.kinesisvideo.\(region).\(domain(region: region, dualStack: dualStack)):443"
    }

    static func domain(region: String, dualStack: Bool) -> String {
        let china = region.hasPrefix("cn-")
        switch (dualStack, china) {
        case (false, false): return "amazonaws.com"
        case (false, true): return "amazonaws.com.cn"
        case (true, false): return "api.aws"
        case (true, true): return "api.amazonwebservices.com.cn"
        }
    }

    /// Lowercase letters, digits and dashes (`us-west-2`, `cn-north-1`, `us-gov-west-1`): a
    /// region goes into a host name and the SigV4 scope, so nothing else is let through.
    static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 32 && !region.hasPrefix("-") && !region.hasSuffix("-")
            && region.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}

/// An environment setting that makes the KVS endpoints unusable (a region that is not a DNS
/// label sequence, RFC 1035 §2.3.1, or a URI that is not https, RFC 9110 §4.2.2); names the
/// variable.
public enum KVSEndpointsError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidRegion(String)
    case invalidControlPlaneURI(String)

    public var description: String {
        switch self {
        case .invalidRegion(let region):
            "\(KVSEndpoints.regionVariable)='\(region.prefix(64))' is not a region name (e.g. us-west-2)"
        case .invalidControlPlaneURI(let uri):
            "\(KVSEndpoints.controlPlaneVariable)='\(uri.prefix(256))' is not an https:// URL (TLS is required)"
        }
    }
}
