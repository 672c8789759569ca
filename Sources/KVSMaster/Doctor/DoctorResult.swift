/// One line of the `kvsmaster doctor` report: what was checked, the verdict, what was seen,
/// and for a warning or a failure what to do about it.
public struct DoctorResult: Sendable, Equatable {
    /// PASS and WARN do not fail the run; FAIL does.
    public enum Verdict: String, Sendable, Equatable {
        case pass = "PASS"
        case warn = "WARN"
        case fail = "FAIL"
    }

    public var name: String
    public var verdict: Verdict
    public var detail: String
    /// What to change; nil when there is nothing to do.
    public var fix: String?

    public init(_ name: String, _ verdict: Verdict, _ detail: String, fix: String? = nil) {
        self.name = name
        self.verdict = verdict
        self.detail = detail
        self.fix = fix
    }

    public static func pass(_ name: String, _ detail: String) -> DoctorResult { DoctorResult(name, .pass, detail) }

    public static func warn(_ name: String, _ detail: String, fix: String? = nil) -> DoctorResult {
        DoctorResult(name, .warn, detail, fix: fix)
    }

    public static func fail(_ name: String, _ detail: String, fix: String) -> DoctorResult {
        DoctorResult(name, .fail, detail, fix: fix)
    }

    /// `FAIL  clock         600 s behind KVS — fix: …`: one line, the verdict first so that
    /// `grep FAIL` finds the problems.
    public var line: String {
        var text = "\(verdict.rawValue)  \(name.padded(to: 14)) \(detail)"
        if let fix { text += " — fix: \(fix)" }
        return text
    }
}
