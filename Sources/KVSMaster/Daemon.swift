/// The daemon's entry point: runs the master for `configuration` until SIGTERM/SIGINT or a
/// fatal error, and returns the process exit code.
public enum Daemon {
    public static func run(configuration: DaemonConfiguration, environment: [String: String]) -> Int32 {
        _ = (configuration, environment)
        return 1
    }
}
