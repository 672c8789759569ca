#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where libcurl finds the certificate authorities that anchor server verification (RFC 5280
/// §6.1 trust anchors): a PEM bundle (CURLOPT_CAINFO) or an OpenSSL hashed directory
/// (CURLOPT_CAPATH).
public enum CATrustStore: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// libcurl's compiled-in default (on Debian the system bundle).
    case libraryDefault
    case file(String)
    case directory(String)

    public init(_ anchors: IoTCredentialConfiguration.TrustAnchors) {
        switch anchors {
        case .system: self = .libraryDefault
        case .file(let path): self = .file(path)
        case .directory(let path): self = .directory(path)
        }
    }

    public var description: String {
        switch self {
        case .libraryDefault: "libcurl default CA store"
        case .file(let path): "CA file \(path)"
        case .directory(let path): "CA directory \(path)"
        }
    }
}

/// The CA bundle kvsmaster verifies AWS endpoints with (RFC 5280 §6.1 trust anchors), chosen
/// like the KVS C SDK: `AWS_KVS_CACERT_PATH` first, then the system store, then the Amazon
/// root CA bundle shipped in `certs/` for camera root file systems that have no store.
public struct CABundle: Sendable, Equatable, CustomStringConvertible {
    /// Where the chosen store came from.
    public enum Source: Sendable, Equatable {
        case environment
        case systemStore
        case bundled
    }

    public static let variable = "AWS_KVS_CACERT_PATH"
    public static let bundleFileName = "amazon-root-cas.pem"
    /// Bundles of the usual distributions, Debian's first.
    public static let systemCandidates = [
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Buildroot, Yocto
        "/etc/pki/tls/certs/ca-bundle.crt",  // Fedora, RHEL
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7+
        "/etc/ssl/ca-bundle.pem",  // openSUSE
        "/etc/ssl/cert.pem",  // Alpine, OpenWrt
    ]
    /// Fixed install location of the `certs/` bundle.
    public static let installedBundle = "/etc/kvsmaster/certs/amazon-root-cas.pem"

    public var store: CATrustStore
    public var source: Source

    public init(store: CATrustStore, source: Source) {
        self.store = store
        self.source = source
    }

    /// e.g. "CA file /etc/ssl/certs/ca-certificates.crt (system store)", for the startup log.
    public var description: String {
        let origin =
            switch source {
            case .environment: "from \(Self.variable)"
            case .systemStore: "system store"
            case .bundled: "kvsmaster's Amazon root CA bundle"
            }
        return "\(store) (\(origin))"
    }

    /// Resolves the store from `environment`. An `AWS_KVS_CACERT_PATH` that is set but unusable
    /// is an error (never silently replaced by another store).
    public static func resolve(
        environment: [String: String], probe: CAFileProbe = .local,
        executablePath: String? = CABundle.currentExecutablePath()
    ) -> Result<CABundle, CABundleError> {
        if let path = environment[variable], !path.isEmpty {
            switch probe.kind(path) {
            case .missing: return .failure(.unusable(variable: variable, path: path, reason: .missing))
            case .unreadable: return .failure(.unusable(variable: variable, path: path, reason: .unreadable))
            case .emptyFile: return .failure(.unusable(variable: variable, path: path, reason: .empty))
            case .file: return .success(CABundle(store: .file(path), source: .environment))
            case .directory: return .success(CABundle(store: .directory(path), source: .environment))
            }
        }
        for path in systemCandidates where probe.kind(path) == .file {
            return .success(CABundle(store: .file(path), source: .systemStore))
        }
        let bundled = bundledCandidates(executablePath: executablePath)
        for path in bundled where probe.kind(path) == .file {
            return .success(CABundle(store: .file(path), source: .bundled))
        }
        return .failure(.noneFound(searched: systemCandidates + bundled))
    }

    /// `certs/amazon-root-cas.pem` next to the executable and in up to four parent folders
    /// (a build tree's `.build/debug/kvsmaster` finds the repository's `certs/`), then the
    /// fixed install location.
    static func bundledCandidates(executablePath: String?) -> [String] {
        var candidates: [String] = []
        if let executablePath, var directory = parent(of: executablePath) {
            for _ in 0..<5 {
                candidates.append(directory == "/" ? "/certs/\(bundleFileName)" : "\(directory)/certs/\(bundleFileName)")
                guard let up = parent(of: directory), up != directory else { break }
                directory = up
            }
        }
        candidates.append(installedBundle)
        return candidates
    }

    static func parent(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    /// The running executable's path, from `/proc/self/exe`.
    public static func currentExecutablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Why no trust anchors (RFC 5280 §6.1.1 (d)) could be chosen; names the variable and path to fix.
public enum CABundleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case missing
        case unreadable
        case empty
    }

    case unusable(variable: String, path: String, reason: Reason)
    /// No system store and no bundled file: TLS cannot be verified.
    case noneFound(searched: [String])

    public var description: String {
        switch self {
        case .unusable(let variable, let path, let reason):
            let problem =
                switch reason {
                case .missing: "does not exist"
                case .unreadable: "is not readable"
                case .empty: "is an empty file"
                }
            return "\(variable)=\(path): the CA certificate path \(problem)"
        case .noneFound(let searched):
            return "no CA certificates found (searched \(searched.joined(separator: ", "))); set "
                + "\(CABundle.variable) to a PEM bundle or install certs/\(CABundle.bundleFileName)"
        }
    }
}

/// The file checks CA resolution needs (POSIX stat(2)/access(2)), injectable so tests can hide
/// the system store.
public struct CAFileProbe: Sendable {
    public enum Kind: Sendable, Equatable {
        case missing
        case unreadable
        case emptyFile
        case file
        case directory
    }

    public var kind: @Sendable (String) -> Kind

    public init(kind: @escaping @Sendable (String) -> Kind) { self.kind = kind }

    /// The real file system: a directory must be searchable, a file readable and non-empty.
    public static let local = CAFileProbe { path in
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return access(path, R_OK | X_OK) == 0 ? .directory : .unreadable
        }
        guard access(path, R_OK) == 0 else { return .unreadable }
        return info.st_size > 0 ? .file : .emptyFile
    }

    /// The real file system with `hidden` paths reported missing.
    public static func local(hiding hidden: Set<String>) -> CAFileProbe {
        CAFileProbe { path in hidden.contains(path) ? .missing : CAFileProbe.local.kind(path) }
    }
}
