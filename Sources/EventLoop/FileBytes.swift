#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Whole small files (configuration, credentials, the endpoint cache, sample frames) read with
/// open(2)/read(2), bounded in size.
public enum FileBytes {
    /// Why a file was not read; the errno values are as open(2) and read(2) reported them.
    public enum Failure: Error, Sendable, Equatable {
        case cannotOpen(errno: Int32)
        case cannotRead(errno: Int32)
        /// The file holds more than the limit the caller gave.
        case tooLarge(limit: Int)

        /// `strerror` text for the open and read failures.
        public var systemMessage: String {
            switch self {
            case .cannotOpen(let code), .cannotRead(let code):
                guard let text = strerror(code) else { return "error \(code)" }
                return String(cString: text)
            case .tooLarge(let limit): return "larger than \(limit) bytes"
            }
        }
    }

    /// The bytes of the file at `path`, at most `limit` of them.
    public static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.cannotOpen(errno: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.cannotRead(errno: errno))
            }
            if count == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { return .failure(.tooLarge(limit: limit)) }
        }
    }
}
