import EventLoop

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
        let bytes: [UInt8]
        switch FileBytes.read(path, limit: maximumSize) {
        case .success(let read): bytes = read
        case .failure(.cannotOpen(errno: ENOENT)): return .failure(.missing)
        case .failure(.tooLarge): return .failure(.tooLarge)
        case .failure(let failure): return .failure(.unreadable(failure.systemMessage))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }
}
