import Foundation
import TestSupport
import Testing

/// The cross-compilation for camera boards (`cross/build-sysroot.sh`, `cross/build-cross.sh`;
/// scripts/test.sh builds both sysroots before the suite): the C dependency sysroot of each target
/// works under qemu-user, the project's own C compiles for it, and without a Swift SDK the build
/// script says exactly what to install. The Swift cross build itself needs an SDK, which this
/// machine does not have; its command line is checked instead (`--print-command`).
@Suite(.serialized) struct CrossBuildTests {
    /// One cross target and what its binaries look like.
    struct Target: Sendable, CustomStringConvertible {
        var arch: String
        var fileArchitecture: String
        var emulator: String
        var swiftTriple: String
        var multiarch: String
        var description: String { arch }

        var directory: URL { ViewerProcess.repositoryRoot.appendingPathComponent(".build-cross/\(arch)") }
        var sysroot: String { directory.appendingPathComponent("sysroot").path }
        func probe(_ name: String) -> String { directory.appendingPathComponent("probe/\(name)").path }
    }

    static let targets = [
        Target(
            arch: "aarch64", fileArchitecture: "ARM aarch64", emulator: "/usr/bin/qemu-aarch64-static",
            swiftTriple: "aarch64-unknown-linux-gnu", multiarch: "aarch64-linux-gnu"),
        Target(
            arch: "armv7", fileArchitecture: "ARM, EABI5", emulator: "/usr/bin/qemu-arm-static",
            swiftTriple: "armv7-unknown-linux-gnueabihf", multiarch: "arm-linux-gnueabihf"),
    ]

    static let libraries = ["libcrypto", "libssl", "libsrtp2", "libcurl", "usrsctp", "libwebsockets"]
    static let script = ViewerProcess.repositoryRoot.appendingPathComponent("cross/build-cross.sh").path

    static func requireFile(_ path: String, _ target: Target) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EmulatorProcess.Failure(
                description: "\(path) is missing: build the sysroot with `bash cross/build-sysroot.sh \(target.arch)` (scripts/test.sh does)")
        }
    }

    static func requireTool(_ path: String, package: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw EmulatorProcess.Failure(
                description: "\(path) is missing (Debian package \(package); cross/build-sysroot.sh installs it when run as root)")
        }
    }

    static func describe(_ path: String) throws -> String {
        try requireTool("/usr/bin/file", package: "file")
        let result = try ScriptProcess.run("/usr/bin/file", ["-b", path])
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Runs a probe under qemu and expects one "ok" line per library and exit status 0.
    static func expectProbeRuns(_ target: Target, _ arguments: [String]) throws {
        try requireTool(target.emulator, package: "qemu-user-static")
        let result = try ScriptProcess.run(target.emulator, arguments)
        let output = String(decoding: result.stdout, as: UTF8.self)
        #expect(result.status == 0, "\(arguments.last ?? "") under qemu exited \(result.status):\n\(output)\(result.stderr)")
        for library in libraries {
            #expect(
                output.split(separator: "\n").contains { $0.hasPrefix("ok \(library) ") },
                "no 'ok \(library)' line from \(arguments.last ?? ""):\n\(output)")
        }
        #expect(!output.contains("FAIL"), "\(output)")
        print("\(target.arch) \(URL(fileURLWithPath: arguments.last ?? "").lastPathComponent): \(output.split(separator: "\n").count) lines, \(output.contains("probe passed") ? "passed" : "FAILED")")
    }

    static func expectHardFloat(_ target: Target, _ path: String) throws {
        guard target.arch == "armv7" else { return }
        let readelf = "/usr/bin/\(target.multiarch)-readelf"
        try requireTool(readelf, package: "binutils-\(target.multiarch)")
        let attributes = String(decoding: try ScriptProcess.run(readelf, ["-A", path]).stdout, as: UTF8.self)
        #expect(attributes.contains("Tag_ABI_VFP_args: VFP registers"), "\(path) is not hard-float:\n\(attributes)")
    }

    @Test(arguments: targets) func staticProbeRunsUnderQemu(_ target: Target) throws {
        let probe = target.probe("probe-static")
        try Self.requireFile(probe, target)
        let described = try Self.describe(probe)
        #expect(described.contains(target.fileArchitecture), "file says: \(described)")
        #expect(described.contains("statically linked"), "file says: \(described)")
        try Self.expectHardFloat(target, probe)
        try Self.expectProbeRuns(target, [probe])
    }

    @Test(arguments: targets) func dynamicProbeRunsUnderQemuAgainstTheSysroot(_ target: Target) throws {
        let probe = target.probe("probe-dynamic")
        try Self.requireFile(probe, target)
        let described = try Self.describe(probe)
        #expect(described.contains(target.fileArchitecture), "file says: \(described)")
        #expect(described.contains("dynamically linked"), "file says: \(described)")
        try Self.expectHardFloat(target, probe)
        try Self.expectProbeRuns(target, ["-L", target.sysroot, probe])
    }

    @Test(arguments: targets) func projectCCompilesForTheTarget(_ target: Target) throws {
        let objects = target.probe("objects")
        for name in ["CKVSShims-shims.o", "CAllocCounter-AllocCounter.o"] {
            let object = "\(objects)/\(name)"
            try Self.requireFile(object, target)
            let described = try Self.describe(object)
            #expect(described.contains("relocatable") && described.contains(target.fileArchitecture), "\(name): file says \(described)")
        }
    }

    /// Without an SDK (an empty SDK folder) the build stops with status 3 and names what to install;
    /// the environment (credentials included) never reaches its output.
    @Test(arguments: targets) func missingSDKExitsWithInstructions(_ target: Target) throws {
        try Self.requireFile(target.probe("probe-static"), target)
        let sdks = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-cross-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: sdks, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: sdks) }
        let canary = "wJalrXUtnFEMI/K7MDENG/cross\(UInt32.random(in: 1000...9999))"
        let result = try ScriptProcess.run(
            "/usr/bin/env",
            [
                "AWS_SECRET_ACCESS_KEY=\(canary)", "AWS_SESSION_TOKEN=\(canary)",
                "/bin/bash", Self.script, target.arch, "--swift-sdks-path", sdks.path,
            ])
        let output = String(decoding: result.stdout, as: UTF8.self) + result.stderr
        #expect(result.status == 3, "expected exit status 3 without an SDK, got \(result.status):\n\(output.suffix(3000))")
        #expect(output.contains("swift sdk install"), "\(output.suffix(3000))")
        #expect(output.contains(target.swiftTriple), "\(output.suffix(3000))")
        #expect(output.contains("swift-sdk-generator make-linux-sdk"), "\(output.suffix(3000))")
        #expect(!output.contains(canary), "the environment leaked into the output")
        if target.arch == "armv7" {
            #expect(output.contains("--target-swift-package-path"), "the armv7 instructions must say where its Swift runtime comes from")
        }
    }

    @Test(arguments: targets) func printCommandHasTheCrossFlags(_ target: Target) throws {
        let canary = "cross-canary-\(UInt32.random(in: 1000...9999))"
        let staticRun = try ScriptProcess.run(
            "/usr/bin/env", ["AWS_SECRET_ACCESS_KEY=\(canary)", "/bin/bash", Self.script, target.arch, "--static", "--print-command"])
        let command = String(decoding: staticRun.stdout, as: UTF8.self)
        #expect(staticRun.status == 0, "--print-command failed: \(staticRun.stderr)")
        let archives = target.directory.appendingPathComponent("sysroot/opt/kvsmaster/archives").path
        for flag in [
            "swift build -c release", "--swift-sdk ", "--static-swift-stdlib", "-Xswiftc -static-executable",
            "--disable-default-traits", "--product kvsmaster", "-Xlinker -L\(archives)",
            "-Xlinker --start-group", "-Xlinker --end-group", "PKG_CONFIG_SYSROOT_DIR=\(target.sysroot)",
            "PKG_CONFIG_PATH=\(target.directory.path)/pkgconfig/static",
            "--scratch-path \(target.directory.path)/swift",
        ] {
            #expect(command.contains(flag), "--print-command lacks '\(flag)':\n\(command)")
        }
        for library in ["curl", "srtp2", "websockets", "usrsctp", "ssl", "crypto", "cap", "z"] {
            #expect(command.contains("-Xlinker -l\(library) "), "the archive group lacks -l\(library):\n\(command)")
            let archive = "\(archives)/lib\(library).a"
            if FileManager.default.fileExists(atPath: target.sysroot) {
                #expect(FileManager.default.fileExists(atPath: archive), "\(archive) (in the link group) does not exist")
            }
        }
        #expect(!command.contains(canary))

        let dynamicRun = try ScriptProcess.run("/bin/bash", [Self.script, target.arch, "--dynamic", "--print-command"])
        let dynamic = String(decoding: dynamicRun.stdout, as: UTF8.self)
        #expect(dynamicRun.status == 0, "--print-command --dynamic failed: \(dynamicRun.stderr)")
        #expect(dynamic.contains("PKG_CONFIG_PATH=\(target.directory.path)/pkgconfig/dynamic"), "\(dynamic)")
        #expect(!dynamic.contains("-static-executable") && !dynamic.contains("--start-group"), "\(dynamic)")
    }

    /// SwiftPM itself turns the generated .pc files into compiler and linker flags inside the
    /// sysroot (through PKG_CONFIG_SYSROOT_DIR, as it will for the cross build): a throwaway package
    /// with two system-library targets is built verbosely for the host, and its flags are checked.
    /// (The host link of the target's archives fails, as it must; only the flags matter.)
    @Test(arguments: targets) func swiftPMResolvesThePkgConfigFilesIntoTheSysroot(_ target: Target) throws {
        try Self.requireFile(target.probe("probe-static"), target)
        let swift = ["/opt/swift/usr/bin/swift", "/usr/share/swift/usr/bin/swift", "/usr/local/swift/usr/bin/swift"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let swift else { throw EmulatorProcess.Failure(description: "no Swift toolchain in /opt/swift (see scripts/install-deps.sh)") }
        let package = FileManager.default.temporaryDirectory.appendingPathComponent("kvsmaster-pc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: package) }
        let files = [
            "Package.swift": """
                // swift-tools-version:6.0
                import PackageDescription
                let package = Package(name: "pc", targets: [
                    .systemLibrary(name: "COpenSSL", pkgConfig: "openssl"),
                    .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2"),
                    .executableTarget(name: "pc", dependencies: ["COpenSSL", "CSRTP"]),
                ])
                """,
            "Sources/COpenSSL/module.modulemap": "module COpenSSL [system] {\n header \"shim.h\"\n link \"ssl\"\n link \"crypto\"\n export *\n}\n",
            "Sources/COpenSSL/shim.h": "#include <openssl/sha.h>\n",
            "Sources/CSRTP/module.modulemap": "module CSRTP [system] {\n header \"shim.h\"\n link \"srtp2\"\n export *\n}\n",
            "Sources/CSRTP/shim.h": "#include <srtp2/srtp.h>\n",
            "Sources/pc/main.swift": "import COpenSSL\nimport CSRTP\nprint(OPENSSL_VERSION_MAJOR)\n",
        ]
        for (path, text) in files {
            let url = package.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let pcDirectory = target.directory.appendingPathComponent("pkgconfig/static").path
        let result = try ScriptProcess.run(
            "/usr/bin/env",
            [
                "PKG_CONFIG_PATH=\(pcDirectory)", "PKG_CONFIG_LIBDIR=\(pcDirectory)", "PKG_CONFIG_SYSROOT_DIR=\(target.sysroot)",
                swift, "build", "-v", "--package-path", package.path,
            ])
        let output = String(decoding: result.stdout, as: UTF8.self) + result.stderr
        let sysroot = target.sysroot
        for flag in [
            "\(sysroot)/usr/include/\(target.multiarch)", "\(sysroot)/usr/include", "\(sysroot)/opt/kvsmaster/include",
            "\(sysroot)/opt/kvsmaster/archives", "-lssl", "-lcrypto", "-lsrtp2",
        ] {
            #expect(output.contains(flag), "SwiftPM's build lacks '\(flag)':\n\(output.suffix(4000))")
        }
        #expect(!output.contains("could not find") && !output.contains("couldNotFindConfigFile"), "\(output.suffix(3000))")
    }

    /// The generated .pc files give the flags SwiftPM will use: sysroot paths for the target.
    @Test(arguments: targets) func pkgConfigFilesPointIntoTheSysroot(_ target: Target) throws {
        try Self.requireFile(target.probe("probe-static"), target)
        for flavour in ["static", "dynamic"] {
            for module in ["openssl", "libsrtp2", "usrsctp", "libwebsockets", "libcurl"] {
                let file = target.directory.appendingPathComponent("pkgconfig/\(flavour)/\(module).pc").path
                try Self.requireFile(file, target)
                let text = try String(contentsOfFile: file, encoding: .utf8)
                #expect(text.contains("archincludedir=/usr/include/\(target.multiarch)"), "\(file):\n\(text)")
                #expect(text.contains(flavour == "static" ? "-L${archives}" : "-L${libdir}"), "\(file):\n\(text)")
            }
        }
    }
}
