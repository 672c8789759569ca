import Foundation

/// The openssl CLI, which makes the throwaway CAs and certificates of the TLS tests (IoT, REST,
/// WebSocket). A missing binary fails the test with the package to install.
enum TestOpenSSL {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw Failure(description: "/usr/bin/openssl not found: install the Debian package openssl")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? ""): \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}
