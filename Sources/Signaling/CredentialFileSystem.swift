import EventLoop

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The file access the credential providers need (read a text file, ask whether a path is a
/// file or a directory), injectable so tests can use temporary files or plain dictionaries.
public struct CredentialFileSystem: Sendable {
    /// What a path turned out to be.
    public enum Kind: Sendable, Equatable {
        case missing
        case file
        case directory
    }

    /// The outcome of reading a text file.
    public enum ReadResult: Sendable, Equatable {
        case contents(String)
        case missing
        case unreadable
    }

    public var kind: @Sendable (String) -> Kind
    public var read: @Sendable (String) -> ReadResult

    public init(kind: @escaping @Sendable (String) -> Kind, read: @escaping @Sendable (String) -> ReadResult) {
        self.kind = kind
        self.read = read
    }

    /// The real file system.
    public static let local = CredentialFileSystem(
        kind: { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return .missing }
            return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
        },
        read: { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return .missing }
            guard (info.st_mode & S_IFMT) != S_IFDIR, case .success(let bytes) = FileBytes.read(path, limit: .max) else {
                return .unreadable
            }
            return .contents(String(decoding: bytes, as: UTF8.self))
        })

    /// An in-memory file system: `files` maps paths to contents; `directories` lists paths
    /// that are directories.
    public static func inMemory(files: [String: String], directories: Set<String> = []) -> CredentialFileSystem {
        CredentialFileSystem(
            kind: { path in
                if directories.contains(path) { return .directory }
                return files[path] == nil ? .missing : .file
            },
            read: { path in
                if directories.contains(path) { return .unreadable }
                return files[path].map { .contents($0) } ?? .missing
            })
    }
}

