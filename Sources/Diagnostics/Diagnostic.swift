/// How serious a reported problem is.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case error
    case warning
    case note

    private var rank: Int {
        switch self {
        case .error: return 0
        case .warning: return 1
        case .note: return 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A reported problem: a value, never printed by library code (renderers turn it into text).
///
/// `id` is a stable snake_case name (documented in docs/diagnostics.md) that tools and tests can
/// rely on; `message` says what was expected and what was found; `hint` is present only when it
/// is actionable; `related` points at other places that explain the problem (the first of two
/// duplicate keys, the step that closes a cycle).
public struct Diagnostic: Sendable, Hashable {
    public var id: String
    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    public var hint: String?
    public var related: [Related]

    public struct Related: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation
        public init(message: String, location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public init(
        id: String, severity: Severity = .error, message: String, location: SourceLocation?,
        hint: String? = nil, related: [Related] = []
    ) {
        self.id = id
        self.severity = severity
        self.message = message
        self.location = location
        self.hint = hint
        self.related = related
    }

    public static func error(_ id: String, _ message: String, at location: SourceLocation?, hint: String? = nil)
        -> Diagnostic
    {
        Diagnostic(id: id, severity: .error, message: message, location: location, hint: hint)
    }

    public static func warning(_ id: String, _ message: String, at location: SourceLocation?, hint: String? = nil)
        -> Diagnostic
    {
        Diagnostic(id: id, severity: .warning, message: message, location: location, hint: hint)
    }
}

extension Diagnostic: Comparable {
    /// Sorted by file, line, column, then severity, id and message, so output is stable.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        switch (lhs.location, rhs.location) {
        case let (l?, r?) where l != r: return l < r
        case (nil, _?): return true
        case (_?, nil): return false
        default: break
        }
        if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
        if lhs.id != rhs.id { return lhs.id < rhs.id }
        return lhs.message < rhs.message
    }
}

extension Array where Element == Diagnostic {
    /// Sorted and with exact duplicates removed (the same problem reported twice by two checks).
    public func normalized() -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return self.sorted().filter { seen.insert($0).inserted }
    }

    public var errorCount: Int { filter { $0.severity == .error }.count }
    public var warningCount: Int { filter { $0.severity == .warning }.count }
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Every warning turned into an error (`--strict`).
    public func strict() -> [Diagnostic] {
        map { d in
            var d = d
            if d.severity == .warning { d.severity = .error }
            return d
        }
    }
}
