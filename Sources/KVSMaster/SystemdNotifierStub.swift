// Replaced by the sd_notify implementation.
struct SystemdNotifier: Sendable {
    init(environment: [String: String]) {}
    var watchdogInterval: Duration? { nil }
    func ready() {}
    func status(_ text: String) {}
    func watchdog() {}
    func stopping() {}
}
