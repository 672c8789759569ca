import EventLoop
import WireKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What identifies a cached lookup: the same channel in another region, role or IP mode has
/// other endpoints (KVS API, GetSignalingChannelEndpoint: endpoints depend on role and protocol).
public struct EndpointCacheKey: Sendable, Equatable, Hashable, Codable {
    public var channelName: String
    public var region: String
    public var role: String
    public var dualStack: Bool

    public init(channelName: String, region: String, role: String = "MASTER", dualStack: Bool) {
        self.channelName = channelName
        self.region = region
        self.role = role
        self.dualStack = dualStack
    }

    /// The key as a cache-file object, members in name order.
    var jsonValue: JSONValue {
        .object(["channelName": .string(channelName), "dualStack": .bool(dualStack), "region": .string(region), "role": .string(role)])
    }
}

/// The results of DescribeSignalingChannel (`ChannelARN`) and GetSignalingChannelEndpoint
/// (`ResourceEndpointList`) for one key (KVS API reference), with the Unix time they were fetched.
public struct EndpointCacheEntry: Sendable, Equatable, Codable {
    public var key: EndpointCacheKey
    public var channelARN: String
    public var webSocketEndpoint: String
    public var httpsEndpoint: String
    public var webRTCEndpoint: String?
    public var storedAt: Int64

    public init(key: EndpointCacheKey, channelARN: String, endpoints: KVSChannelEndpoints, webRTCEndpoint: String? = nil, storedAt: Int64) {
        self.key = key
        self.channelARN = channelARN
        webSocketEndpoint = endpoints.webSocket
        httpsEndpoint = endpoints.https
        self.webRTCEndpoint = webRTCEndpoint
        self.storedAt = storedAt
    }

    public var endpoints: KVSChannelEndpoints { KVSChannelEndpoints(webSocket: webSocketEndpoint, https: httpsEndpoint) }

    /// The entry as a cache-file object, members in name order, `webRTCEndpoint` left out when nil.
    var jsonValue: JSONValue {
        var members = [
            JSONMember("channelARN", .string(channelARN)),
            JSONMember("httpsEndpoint", .string(httpsEndpoint)),
            JSONMember("key", key.jsonValue),
            JSONMember("storedAt", .integer(storedAt)),
        ]
        if let webRTCEndpoint { members.append(JSONMember("webRTCEndpoint", .string(webRTCEndpoint))) }
        members.append(JSONMember("webSocketEndpoint", .string(webSocketEndpoint)))
        return .object(members)
    }
}

/// A file of recent Describe + GetEndpoint results so a restart skips two control-plane calls
/// (the KVS C SDK's signaling cache, same 10-hour validity), keyed by channel, region, role and
/// dual-stack.
///
/// Time is an input (`now`, Unix seconds). Writes go to a temporary file that is renamed over
/// the cache, so a crash leaves the old or the new file, never half of one. A file that is
/// missing, unreadable, corrupt or not ours reads as empty and is replaced by the next store.
///
/// Default location (`defaultPath(environment:)`): `$STATE_DIRECTORY/endpoints.json` under
/// systemd (`StateDirectory=kvsmaster` → /var/lib/kvsmaster), else
/// `$XDG_CACHE_HOME/kvsmaster/endpoints.json`, else `~/.cache/kvsmaster/endpoints.json`.
public struct EndpointCache: Sendable {
    public static let format = "kvsmaster-endpoint-cache"
    public static let version = 1
    public static let defaultValidity: Duration = .seconds(10 * 3600)
    /// Largest file read; a real cache holds a few entries of ~400 bytes.
    static let maximumFileSize = 1 << 20
    /// Entries kept per file; the oldest go first.
    static let maximumEntries = 64

    public var path: String
    public var validity: Duration

    public init(path: String, validity: Duration = EndpointCache.defaultValidity) {
        self.path = path
        self.validity = validity
    }

    /// The default cache file for `environment`, or nil when there is no writable place to name.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let state = environment["STATE_DIRECTORY"], let first = state.split(separator: ":").first, !first.isEmpty {
            return "\(first)/endpoints.json"
        }
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return "\(cache)/kvsmaster/endpoints.json"
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return "\(home)/.cache/kvsmaster/endpoints.json"
        }
        return nil
    }

    // MARK: Lookup and store

    /// The entry for `key` if it was stored less than `validity` ago (and not in the future,
    /// which a clock stepped backwards would produce).
    public func lookup(_ key: EndpointCacheKey, now: Int64) -> EndpointCacheEntry? {
        Self.decode(readFile() ?? []).first { $0.key == key && isFresh($0, now: now) }
    }

    public func isFresh(_ entry: EndpointCacheEntry, now: Int64) -> Bool {
        let age = now &- entry.storedAt
        return age >= -60 && Duration.seconds(age) < validity
    }

    /// Stores `entry`, replacing any entry with its key and dropping expired ones.
    public func store(_ entry: EndpointCacheEntry, now: Int64) throws(EndpointCacheError) {
        var entries = Self.decode(readFile() ?? []).filter { $0.key != entry.key && isFresh($0, now: now) }
        entries.append(entry)
        if entries.count > Self.maximumEntries { entries.removeFirst(entries.count - Self.maximumEntries) }
        try writeAtomically(Self.encode(entries))
    }

    /// Forgets `key` (its endpoint failed, or the channel is gone).
    public func remove(_ key: EndpointCacheKey) throws(EndpointCacheError) {
        let entries = Self.decode(readFile() ?? [])
        let kept = entries.filter { $0.key != key }
        guard kept.count != entries.count else { return }
        try writeAtomically(Self.encode(kept))
    }

    // MARK: File format

    private struct File: Codable {
        var format: String
        var version: Int
        var entries: [EndpointCacheEntry]
    }

    /// The entries of a cache file; empty for anything that is not a well-formed file of this
    /// format and version.
    public static func decode(_ bytes: [UInt8]) -> [EndpointCacheEntry] {
        guard !bytes.isEmpty, bytes.count <= maximumFileSize,
            let file = try? JSONValueDecoder().decode(File.self, from: bytes), file.format == format,
            file.version == version
        else { return [] }
        return file.entries
    }

    /// The file for `entries`: pretty-printed JSON with members in name order, the layout
    /// earlier versions wrote through Foundation's encoder (which also escaped `/` as `\/`;
    /// both forms read back the same).
    public static func encode(_ entries: [EndpointCacheEntry]) -> [UInt8] {
        let file = JSONValue.object([
            "entries": .array(entries.map(\.jsonValue)),
            "format": .string(format),
            "version": .integer(version),
        ])
        return Array(file.serialized(pretty: true).utf8)
    }

    // MARK: I/O

    /// The file's bytes; nil when it is missing, unreadable or larger than a cache file can be.
    func readFile() -> [UInt8]? {
        try? FileBytes.read(path, limit: Self.maximumFileSize).get()
    }

    /// Writes `bytes` to `<path>.tmp-<pid>`, flushes it to disk and renames it over `path`;
    /// creates the parent folder (mode 0700) when missing.
    func writeAtomically(_ bytes: [UInt8]) throws(EndpointCacheError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Self.makeDirectories(String(path[..<slash]))
        }
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .writeFailed(path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + written, buffer.count - written)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(fd)
                unlink(temporary)
                throw .writeFailed(path: temporary, errno: code)
            }
            written += count
        }
        let synced = fsync(fd) == 0
        let syncErrno = errno
        close(fd)
        guard synced else {
            unlink(temporary)
            throw .writeFailed(path: temporary, errno: syncErrno)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .writeFailed(path: path, errno: code)
        }
    }

    static func makeDirectories(_ directory: String) throws(EndpointCacheError) {
        var info = stat()
        if stat(directory, &info) == 0 { return }
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try makeDirectories(String(directory[..<slash]))
        }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw .writeFailed(path: directory, errno: errno) }
    }
}

/// The cache could not be written (POSIX open/write/fsync/rename failed, with its errno). The
/// cache is an optimization: the caller logs this and goes on.
public enum EndpointCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case writeFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .writeFailed(let path, let code): "cannot write the endpoint cache \(path): \(String(cString: strerror(code)))"
        }
    }
}
