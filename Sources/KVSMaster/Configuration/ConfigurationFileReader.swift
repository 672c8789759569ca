#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads the config file's text; injectable so the resolver is tested without files.
public struct ConfigurationFileReader: Sendable {
    /// Why a file could not be read.
    public enum Failure: Error, Sendable, Equatable {
        case missing
        /// `strerror` text, e.g. "Permission denied".
        case unreadable(String)
        case tooLarge
        case notUTF8
    }

    /// Largest config file read; a full example is a few kilobytes.
    public static let maximumSize = 256 * 1024

    public var read: @Sendable (String) -> Result<String, Failure>

    public init(read: @escaping @Sendable (String) -> Result<String, Failure>) { self.read = read }

    /// Files given as a dictionary of path → text; other paths are missing.
    public static func files(_ files: [String: String]) -> ConfigurationFileReader {
        ConfigurationFileReader { path in files[path].map { .success($0) } ?? .failure(.missing) }
    }

    /// The real file system (open(2)/read(2)).
    public static let local = ConfigurationFileReader { path in
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            return .failure(code == ENOENT ? .missing : .unreadable(String(cString: strerror(code))))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(String(cString: strerror(errno))))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maximumSize { return .failure(.tooLarge) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }
}
