import JSONModel

/// A pipeline file decoded after its schema check: what the engine, the planner and the
/// semantic checks work on. Every part remembers its JSON pointer, so a problem found later
/// points back at the YAML line it came from.
///
/// Decoding is lenient on purpose: a value of the wrong type is left out (the schema check has
/// already reported it), so semantic checks can still run on the rest of a broken file.
public struct PipelineSpec: Sendable {
    public var version: Int?
    public var name: String?
    public var description: String?
    public var schedule: ScheduleSpec?
    public var xero: XeroSettingsSpec
    public var sources: [SourceSpec]
    public var lookups: [LookupSpec]
    public var steps: [StepSpec]
    public var targets: [TargetSpec]
    public var tests: [TestSpec]

    public func source(named name: String) -> SourceSpec? { sources.first { $0.name == name } }
    public func step(named name: String) -> StepSpec? { steps.first { $0.name == name } }
    public func target(named name: String) -> TargetSpec? { targets.first { $0.name == name } }
    public func lookup(named name: String) -> LookupSpec? { lookups.first { $0.name == name } }
}

/// A reference to another part by name, with where it was written.
public struct NameRef: Sendable, Hashable {
    public var name: String
    public var pointer: JSONPointer
}

public struct ScheduleSpec: Sendable {
    public enum CatchUp: String, Sendable { case latest, none }
    public var cron: String?
    public var timezone: String?
    public var enabled: Bool
    public var catchUp: CatchUp = .latest
    public var pointer: JSONPointer
}

public struct XeroSettingsSpec: Sendable {
    public enum LockDatePolicy: String, Sendable {
        case quarantine, skip, adviser
        case nextOpenDay = "next_open_day"
    }
    public var connection: String
    public var tenant: String?
    public var lockDates: LockDatePolicy
    public var startDate: String?
    public var batchSize: Int
    public var pointer: JSONPointer
}

public struct SourceSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case csv, jsonl, json, sqlite, postgres, http, xero }
    public var name: String
    public var kind: Kind?
    /// The path, URL, DSN or endpoint named by the kind key.
    public var location: String?
    public var query: String?
    public var key: [String]
    public var cursor: String?
    public var records: String?
    public var delimiter: String?
    public var headers: [String: String]
    public var params: [String: String]
    public var whereFilter: String?
    public var since: String?
    public var pointer: JSONPointer
}

public struct LookupSpec: Sendable {
    public var name: String
    public var table: JSONObject
    public var pointer: JSONPointer
}

/// An expression with where it is written.
public struct ExpressionRef: Sendable, Hashable {
    public var text: String
    public var pointer: JSONPointer
}

public struct StepSpec: Sendable {
    public struct Explode: Sendable { public var each: ExpressionRef?; public var asField: String? }
    public struct Join: Sendable {
        public enum JoinType: String, Sendable { case left, inner }
        public var with: NameRef?
        public var on: ExpressionRef?
        public var equals: ExpressionRef?
        public var asField: String?
        public var type: JoinType
        public var many: Bool
    }
    public struct Group: Sendable {
        public var by: [ExpressionRef]
        public var into: String
        public var sorted = false
    }
    public struct Dedupe: Sendable {
        public enum Keep: String, Sendable { case first, last }
        public var by: ExpressionRef?
        public var keep: Keep
    }

    public var name: String
    public var from: NameRef?
    public var after: [NameRef]
    public var description: String?
    public var filter: ExpressionRef?
    public var explode: Explode?
    public var join: Join?
    public var group: Group?
    /// Output field → expression, in file order.
    public var map: [(field: String, expression: ExpressionRef)]
    /// Output field → constant, in file order.
    public var set: [(field: String, value: JSONValue, pointer: JSONPointer)]
    public var dedupe: Dedupe?
    public var pointer: JSONPointer

    /// Every expression of the step, for checks that look at them all.
    public var expressions: [ExpressionRef] {
        var out: [ExpressionRef] = []
        if let filter { out.append(filter) }
        if let e = explode?.each { out.append(e) }
        if let j = join { out += [j.on, j.equals].compactMap { $0 } }
        if let g = group { out += g.by }
        out += map.map(\.expression)
        if let d = dedupe?.by { out.append(d) }
        return out
    }
}

public struct TargetSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case xero, file, sqlite }
    public enum Mode: String, Sendable { case upsert, create, update }
    public enum OnError: String, Sendable { case quarantine, fail }
    public enum OnDeleted: String, Sendable { case skip, recreate }

    public var name: String
    public var kind: Kind?
    /// The Xero endpoint, file path or database path named by the kind key.
    public var location: String?
    public var from: NameRef?
    public var after: [NameRef]
    public var description: String?
    public var match: [String]
    public var key: ExpressionRef?
    public var mode: Mode
    public var batchSize: Int?
    public var onError: OnError
    public var onDeleted: OnDeleted
    public var table: String?
    public var pointer: JSONPointer
}

public struct TestSpec: Sendable {
    public var name: String?
    public var step: NameRef?
    public var input: [JSONValue]
    /// Records standing in for other inputs the step reads (its `join.with`), by name.
    public var fixtures: [String: [JSONValue]]
    public var lookups: JSONObject?
    public var expect: [JSONValue]?
    public var expectCount: Int?
    public var pointer: JSONPointer
}
