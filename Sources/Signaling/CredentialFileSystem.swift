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
            guard (info.st_mode & S_IFMT) != S_IFDIR, let bytes = readWholeFile(path) else { return .unreadable }
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

/// The bytes of the file at `path` (POSIX open/read), nil when it cannot be opened or read.
private func readWholeFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count >= 0 else { return nil }
        guard count > 0 else { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
    }
}
