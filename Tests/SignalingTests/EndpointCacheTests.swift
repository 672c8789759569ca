import Foundation
import Testing

@testable import Signaling

@Suite struct EndpointCacheTests {
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        var file: String { url.appendingPathComponent("state/endpoints.json").path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static let key = EndpointCacheKey(channelName: "front-door", region: "us-west-2", dualStack: false)
    static let endpoints = KVSChannelEndpoints(webSocket: "wss://m-1.kinesisvideo.us-west-2.amazonaws.com", https: "https://r-1.kinesisvideo.us-west-2.amazonaws.com")
    static let arn = "arn:aws:kinesisvideo:us-west-2:123456789012:channel/front-door/1"
    static let t0: Int64 = 1_763_712_927

    static func entry(_ key: EndpointCacheKey = key, at time: Int64 = t0) -> EndpointCacheEntry {
        EndpointCacheEntry(key: key, channelARN: arn, endpoints: endpoints, storedAt: time)
    }

    @Test func storesAndExpiresAfterTenHours() throws {
        let folder = Folder()
        let cache = EndpointCache(path: folder.file)
        #expect(cache.lookup(Self.key, now: Self.t0) == nil)
        try cache.store(Self.entry(), now: Self.t0)
        let found = try #require(cache.lookup(Self.key, now: Self.t0 + 10 * 3600 - 1))
        #expect(found.channelARN == Self.arn)
        #expect(found.endpoints == Self.endpoints)
        #expect(cache.lookup(Self.key, now: Self.t0 + 10 * 3600) == nil)
        // An entry from the future (clock stepped back) is not trusted.
        #expect(cache.lookup(Self.key, now: Self.t0 - 3600) == nil)
        #expect(cache.lookup(Self.key, now: Self.t0 - 30) != nil)
        // The folder was created private.
        var info = stat()
        #expect(stat(folder.url.appendingPathComponent("state").path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(stat(folder.file, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func keysSeparateChannelRegionRoleAndDualStack() throws {
        let folder = Folder()
        let cache = EndpointCache(path: folder.file)
        let others = [
            EndpointCacheKey(channelName: "back-door", region: "us-west-2", dualStack: false),
            EndpointCacheKey(channelName: "front-door", region: "eu-west-1", dualStack: false),
            EndpointCacheKey(channelName: "front-door", region: "us-west-2", role: "VIEWER", dualStack: false),
            EndpointCacheKey(channelName: "front-door", region: "us-west-2", dualStack: true),
        ]
        try cache.store(Self.entry(), now: Self.t0)
        for key in others { #expect(cache.lookup(key, now: Self.t0) == nil, "\(key)") }
        for (index, key) in others.enumerated() {
            var entry = Self.entry(key)
            entry.channelARN = "arn-\(index)"
            try cache.store(entry, now: Self.t0)
        }
        #expect(cache.lookup(Self.key, now: Self.t0)?.channelARN == Self.arn)
        for (index, key) in others.enumerated() { #expect(cache.lookup(key, now: Self.t0)?.channelARN == "arn-\(index)") }
        // Replacing one key keeps one entry for it; expired entries are dropped on store.
        try cache.store(Self.entry(at: Self.t0 + 20 * 3600), now: Self.t0 + 20 * 3600)
        let stored = EndpointCache.decode(Array(try Data(contentsOf: URL(fileURLWithPath: folder.file))))
        #expect(stored == [Self.entry(at: Self.t0 + 20 * 3600)])
        try cache.remove(Self.key)
        #expect(cache.lookup(Self.key, now: Self.t0 + 20 * 3600) == nil)
    }

    @Test(arguments: [
        Array("{not json".utf8), Array(#"{"format":"other-tool","version":1,"entries":[]}"#.utf8),
        Array(#"{"format":"kvsmaster-endpoint-cache","version":99,"entries":[]}"#.utf8),
        Array(#"{"format":"kvsmaster-endpoint-cache","version":1,"entries":[{"key":7}]}"#.utf8),
        [0xFF, 0xFE, 0x00, 0x01], [],
    ])
    func corruptOrForeignFileIsIgnoredAndRewritten(contents: [UInt8]) throws {
        let folder = Folder()
        let cache = EndpointCache(path: folder.file)
        try FileManager.default.createDirectory(atPath: folder.url.appendingPathComponent("state").path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder.file, contents: Data(contents))
        #expect(cache.lookup(Self.key, now: Self.t0) == nil)
        try cache.store(Self.entry(), now: Self.t0)
        #expect(cache.lookup(Self.key, now: Self.t0) == Self.entry())
        let text = try String(contentsOfFile: folder.file, encoding: .utf8)
        #expect(text.contains(#""format" : "kvsmaster-endpoint-cache""#))
    }

    @Test func unreadablePathIsIgnoredAndUnwritableIsAnError() throws {
        let folder = Folder()
        // The cache path is a directory: reading fails, writing (rename over it) fails.
        try FileManager.default.createDirectory(atPath: folder.file, withIntermediateDirectories: true)
        let cache = EndpointCache(path: folder.file)
        #expect(cache.lookup(Self.key, now: Self.t0) == nil)
        #expect(throws: EndpointCacheError.self) { try cache.store(Self.entry(), now: Self.t0) }
        // No temporary file is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("state").path)
        #expect(leftovers == ["endpoints.json"])
    }

    /// The write goes to a temporary file renamed over the cache: a reader that opened the old
    /// file keeps reading the old, complete contents, and the new file is a different inode.
    @Test func writeIsAtomic() throws {
        let folder = Folder()
        let cache = EndpointCache(path: folder.file)
        try cache.store(Self.entry(), now: Self.t0)
        let before = try Data(contentsOf: URL(fileURLWithPath: folder.file))
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder.file))
        defer { try? reader.close() }
        var oldInfo = stat()
        stat(folder.file, &oldInfo)
        try cache.store(Self.entry(EndpointCacheKey(channelName: "x", region: "us-west-2", dualStack: true)), now: Self.t0)
        var newInfo = stat()
        stat(folder.file, &newInfo)
        #expect(oldInfo.st_ino != newInfo.st_ino)
        #expect(reader.readDataToEndOfFile() == before)
        #expect(EndpointCache.decode(Array(try Data(contentsOf: URL(fileURLWithPath: folder.file)))).count == 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("state").path)
        #expect(names == ["endpoints.json"])
    }

    /// The file as versions before the in-house JSON writer produced it: Foundation's encoder,
    /// sorted keys, pretty-printed, `/` escaped as `\/`.
    static func foundationFile(_ entries: [EndpointCacheEntry]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(FoundationFile(entries: entries)))
    }

    struct FoundationFile: Codable {
        var format = EndpointCache.format
        var version = EndpointCache.version
        var entries: [EndpointCacheEntry]
    }

    @Test func readsFilesOfEarlierVersionsAndWritesTheSameLayout() throws {
        var withWebRTC = Self.entry(EndpointCacheKey(channelName: "ingest \"cam\"", region: "eu-west-1", dualStack: true), at: Self.t0 + 5)
        withWebRTC.webRTCEndpoint = "https://w-1.kinesisvideo.eu-west-1.amazonaws.com"
        let entries = [Self.entry(), withWebRTC]
        let old = try Self.foundationFile(entries)
        #expect(String(decoding: old, as: UTF8.self).contains(#"wss:\/\/m-1"#))
        #expect(EndpointCache.decode(old) == entries)
        // Same text apart from the slash escapes, which JSON reads the same either way.
        let new = EndpointCache.encode(entries)
        #expect(String(decoding: new, as: UTF8.self) == String(decoding: old, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/"))
        #expect(EndpointCache.decode(new) == entries)
        // And an earlier version reads the new file.
        #expect(try JSONDecoder().decode(FoundationFile.self, from: Data(new)).entries == entries)
    }

    @Test func defaultPath() {
        #expect(EndpointCache.defaultPath(environment: ["STATE_DIRECTORY": "/var/lib/kvsmaster:/var/lib/other", "HOME": "/root"]) == "/var/lib/kvsmaster/endpoints.json")
        #expect(EndpointCache.defaultPath(environment: ["XDG_CACHE_HOME": "/home/cam/.cache", "HOME": "/home/cam"]) == "/home/cam/.cache/kvsmaster/endpoints.json")
        #expect(EndpointCache.defaultPath(environment: ["HOME": "/home/cam"]) == "/home/cam/.cache/kvsmaster/endpoints.json")
        #expect(EndpointCache.defaultPath(environment: [:]) == nil)
    }
}
