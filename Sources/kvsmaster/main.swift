import KVSMaster

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Exit statuses: 0 done (and help, version), 1 a failed check, 2 an invalid configuration,
/// 64 (EX_USAGE) a command line that cannot run; `run` exits with the daemon's own status.
enum ExitStatus {
    static let checkFailed: Int32 = 1
    static let invalidConfiguration: Int32 = 2
    static let usage: Int32 = 64
}

/// Writes `text` to stderr unbuffered.
func printError(_ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

/// Runs the master until SIGTERM/SIGINT; the daemon's status, or 2 when the configuration is invalid.
func runDaemon(_ arguments: DaemonArguments) -> Int32 {
    let resolver = DaemonConfigurationResolver(environment: ProcessEnvironment.current())
    let resolved: ResolvedDaemonConfiguration
    switch resolver.resolve(arguments) {
    case .success(let value): resolved = value
    case .failure(let error):
        printError("kvsmaster: \(error)\n")
        return ExitStatus.invalidConfiguration
    }
    do {
        try DaemonLogging.bootstrap(level: resolved.configuration.logLevel, logFile: resolved.configuration.logFile)
    } catch {
        printError("kvsmaster: \(error)\n")
        return ExitStatus.invalidConfiguration
    }
    return Daemon.run(configuration: resolved.configuration, environment: resolved.environment)
}

/// Checks every system library and the media path; 1 when a check fails.
func runSelfCheck(_ arguments: SelfCheckArguments) -> Int32 {
    let (width, height) = arguments.parsedSize ?? (640, 480)
    print("kvsmaster self-check")
    let passed = SelfCheck(frames: arguments.frames, width: width, height: height).run { result in
        print(result.line)
    }
    print(passed ? "all checks passed" : "some checks FAILED")
    return passed ? 0 : ExitStatus.checkFailed
}

/// Diagnoses the setup with the daemon's configuration: one line per check, 1 on a failure.
func runDoctor(_ arguments: DoctorArguments) -> Int32 {
    let doctor: Doctor
    switch Doctor.resolve(
        arguments: arguments.daemon, environment: ProcessEnvironment.current(), timeout: .seconds(arguments.checkTimeout))
    {
    case .success(let resolved): doctor = resolved
    case .failure(let error):
        print(DoctorResult.fail("configuration", "\(error)", fix: "correct the setting it names").line)
        return ExitStatus.invalidConfiguration
    }
    try? DaemonLogging.bootstrap(level: .fatal, logFile: nil)
    print("doctor: \(KVSMasterVersion.string)")
    let passed = doctor.run { print($0.line) }
    print(passed ? "no problem found" : "problems found: see the FAIL lines")
    return passed ? 0 : ExitStatus.checkFailed
}

let status: Int32
switch KVSMasterCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
case .failure(let error):
    printError(error.report)
    status = ExitStatus.usage
case .success(.help(let text)):
    print(text, terminator: "")
    status = 0
case .success(.version):
    print(KVSMasterVersion.string)
    status = 0
case .success(.run(let arguments)): status = runDaemon(arguments)
case .success(.selfCheck(let arguments)): status = runSelfCheck(arguments)
case .success(.doctor(let arguments)): status = runDoctor(arguments)
}
exit(status)
