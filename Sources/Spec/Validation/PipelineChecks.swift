import Cron
import Diagnostics
import Foundation
import JSONModel
import Planner
import XeroModel

/// The checks that a schema cannot express: names and references, cycles, Xero fields, cron
/// and time zones, lookups used by expressions, tests that name steps. Each problem is
/// collected (never first-only) and located at the YAML of the part it concerns.
struct PipelineChecks {
    let spec: PipelineSpec
    let document: LocatedDocument
    /// Where the schema says expressions are (to look for lookups they use).
    let expressionPointers: Set<JSONPointer>
    var diagnostics: [Diagnostic] = []

    init(spec: PipelineSpec, document: LocatedDocument, expressionPointers: Set<JSONPointer>) {
        self.spec = spec
        self.document = document
        self.expressionPointers = expressionPointers
    }

    mutating func run() -> [Diagnostic] {
        checkNames()
        checkReferences()
        checkCycles()
        checkXeroTargets()
        checkRecordKeys()
        checkSchedule()
        checkExpressions()
        checkTests()
        checkUnused()
        return diagnostics
    }

    private func at(_ p: JSONPointer, key: Bool = false) -> SourceLocation {
        document.location(of: p, preferKey: key)
    }

    private mutating func error(_ id: String, _ message: String, _ p: JSONPointer, key: Bool = false, hint: String? = nil,
                                related: [Diagnostic.Related] = []) {
        diagnostics.append(Diagnostic(id: id, severity: .error, message: message, location: at(p, key: key), hint: hint, related: related))
    }

    private mutating func warning(_ id: String, _ message: String, _ p: JSONPointer, key: Bool = false, hint: String? = nil) {
        diagnostics.append(Diagnostic(id: id, severity: .warning, message: message, location: at(p, key: key), hint: hint))
    }

    // MARK: Names

    /// Sources, steps and targets share one namespace: `from:` and `after:` name any of them.
    private mutating func checkNames() {
        var first: [String: (kind: String, pointer: JSONPointer)] = [:]
        let all: [(String, String, JSONPointer)] =
            spec.sources.map { ($0.name, "source", $0.pointer) }
            + spec.steps.map { ($0.name, "step", $0.pointer) }
            + spec.targets.map { ($0.name, "target", $0.pointer) }
        for (name, kind, p) in all {
            if let prior = first[name] {
                error("duplicate_name", "'\(name)' is both a \(prior.kind) and a \(kind); names must be unique across sources, steps and targets",
                      p, key: true, related: [.init(message: "the \(prior.kind) '\(name)' is defined here", location: at(prior.pointer, key: true))])
            } else {
                first[name] = (kind, p)
            }
        }
    }

    // MARK: References

    private var sourceNames: [String] { spec.sources.map(\.name) }
    private var stepNames: [String] { spec.steps.map(\.name) }
    private var targetNames: [String] { spec.targets.map(\.name) }

    private mutating func resolve(_ ref: NameRef, allowed: [String], what: String, owner: String) {
        guard !allowed.contains(ref.name) else { return }
        // With no 'sources' section at all, the schema's missing_field says it all.
        if spec.sources.isEmpty && document.value["sources"]?.objectValue == nil && (what == "from" || what == "join.with") {
            return
        }
        let kindOf: String? =
            sourceNames.contains(ref.name) ? "source" : stepNames.contains(ref.name) ? "step" : targetNames.contains(ref.name) ? "target" : nil
        if let kindOf {
            error("invalid_reference", "\(owner) cannot take '\(ref.name)' as \(what): it is a \(kindOf)", ref.pointer,
                  hint: what == "from" ? "a target's or step's 'from' names a source or a step, never a target" : nil)
            return
        }
        let hint = Suggestion.closest(to: ref.name, in: allowed).map { "did you mean '\($0)'?" }
        error("unknown_reference", "\(owner) refers to '\(ref.name)' in '\(what)', but no \(describe(allowed: what)) has that name",
              ref.pointer, hint: hint ?? (allowed.isEmpty ? nil : "defined names: \(Places.quoteList(allowed.sorted(), conjunction: "and"))"))
    }

    private func describe(allowed what: String) -> String {
        switch what {
        case "from", "join.with": return "source or step"
        case "after": return "step or target"
        case "step": return "step"
        default: return "part of the pipeline"
        }
    }

    private mutating func checkReferences() {
        let feeds = sourceNames + stepNames
        let orderable = stepNames + targetNames + sourceNames
        for s in spec.steps {
            let owner = "step '\(s.name)'"
            if let f = s.from {
                if f.name == s.name {
                    error("dependency_cycle", "\(owner) reads from itself", f.pointer)
                } else {
                    resolve(f, allowed: feeds, what: "from", owner: owner)
                }
            }
            if let w = s.join?.with { resolve(w, allowed: feeds, what: "join.with", owner: owner) }
            for a in s.after { resolve(a, allowed: orderable, what: "after", owner: owner) }
        }
        for t in spec.targets {
            let owner = "target '\(t.name)'"
            if let f = t.from { resolve(f, allowed: feeds, what: "from", owner: owner) }
            for a in t.after { resolve(a, allowed: orderable, what: "after", owner: owner) }
        }
    }

    // MARK: Cycles

    private mutating func checkCycles() {
        var graph = DependencyGraph()
        var edgePointer: [String: JSONPointer] = [:]
        let known = Set(sourceNames + stepNames + targetNames)
        func edge(_ from: String, _ to: NameRef) {
            guard known.contains(to.name), to.name != from else { return }
            graph.add(from, dependsOn: to.name)
            edgePointer[from + "\u{0}" + to.name] = edgePointer[from + "\u{0}" + to.name] ?? to.pointer
        }
        for s in spec.steps {
            graph.add(s.name)
            if let f = s.from { edge(s.name, f) }
            if let w = s.join?.with { edge(s.name, w) }
            for a in s.after { edge(s.name, a) }
        }
        for t in spec.targets {
            graph.add(t.name)
            if let f = t.from { edge(t.name, f) }
            for a in t.after { edge(t.name, a) }
        }
        for cycle in graph.cycles() {
            let chain = cycle.joined(separator: " → ")
            let p = edgePointer[cycle[0] + "\u{0}" + cycle[1]] ?? .root
            var related: [Diagnostic.Related] = []
            for i in 1..<(cycle.count - 1) {
                if let q = edgePointer[cycle[i] + "\u{0}" + cycle[i + 1]] {
                    related.append(.init(message: "'\(cycle[i])' needs '\(cycle[i + 1])'", location: at(q)))
                }
            }
            error("dependency_cycle", "dependency cycle: \(chain)", p,
                  hint: "each name waits for the next one through 'from', 'join.with' or 'after'; break one link",
                  related: related)
        }
    }

    // MARK: Xero

    private mutating func checkXeroTargets() {
        for t in spec.targets where t.kind == .xero {
            guard let endpointName = t.location, let endpoint = XeroCatalog.endpoint(named: endpointName),
                  let object = XeroCatalog.object(named: endpoint.objectName) else { continue }
            let kindPointer = t.pointer.appending("xero")
            if t.mode == .update && !endpoint.canUpdate {
                error("invalid_value", "Xero's \(endpoint.name) cannot be updated through the API; target '\(t.name)' uses mode 'update'",
                      t.pointer.appending("mode"))
            }
            if (t.mode == .create || t.mode == .upsert) && !endpoint.canCreate {
                error("invalid_value", "Xero's \(endpoint.name) cannot be created through the API", kindPointer)
            }
            // Match fields must be fields of the object.
            let matchPointer = t.pointer.appending("match")
            let isList = document.value.value(at: matchPointer)?.arrayValue != nil
            for (i, m) in t.match.enumerated() {
                let p = isList ? matchPointer.appending(i) : matchPointer
                if let problem = Self.resolve(path: m, in: object) {
                    error("unknown_xero_field", "'\(problem.segment)' is not a field of Xero \(problem.object.name)", p,
                          hint: XeroCatalog.suggestion(for: problem.segment, among: problem.object.fieldOrder).map { "did you mean '\($0)'?" })
                } else if !m.contains("."), !endpoint.matchFields.isEmpty && !endpoint.matchFields.contains(m) {
                    warning("unusual_match_field",
                            "Xero does not identify \(object.name) records by '\(m)'; matching on it may create duplicates",
                            p, hint: "Xero identifies \(object.name) records by \(Places.quoteList(endpoint.matchFields))")
                }
            }
            // The step that shapes the records sent: its map and set keys are Xero fields.
            guard let stepName = t.from?.name, let step = spec.step(named: stepName) else { continue }
            checkFields(of: step, against: object, target: t)
        }
    }

    /// Follows a dotted field path (`Contact.ContactNumber`) through nested Xero objects;
    /// returns the first segment that is not a field, with the object it was looked up in.
    static func resolve(path: String, in root: XeroObjectSchema) -> (segment: String, object: XeroObjectSchema)? {
        var object = root
        let segments = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (i, segment) in segments.enumerated() {
            guard let field = object.fields[segment] else { return (segment, object) }
            if i < segments.count - 1 {
                guard let ref = field.objectRef, let next = XeroCatalog.object(named: ref) else {
                    return (segments[i + 1], object)
                }
                object = next
            }
        }
        return nil
    }

    private mutating func checkFields(of step: StepSpec, against object: XeroObjectSchema, target: TargetSpec) {
        var written: Set<String> = []
        for (field, expr) in step.map {
            written.insert(field)
            checkField(field, pointer: expr.pointer, object: object, target: target)
        }
        for (field, value, pointer) in step.set {
            written.insert(field)
            guard let f = checkField(field, pointer: pointer, object: object, target: target) else { continue }
            checkConstant(value, field: f, object: object, pointer: pointer)
        }
        // A step with a map builds the whole record: Xero's required fields must be there.
        if !step.map.isEmpty {
            // A target that only updates (by match) need not send what creating needs.
            guard target.mode != .update else { return }
            for r in object.requiredOnCreate where !written.contains(r) {
                warning("missing_xero_field",
                        "step '\(step.name)' does not write '\(r)', which Xero needs to create \(Places.withArticle(object.name)) (target '\(target.name)')",
                        step.pointer.appending("map"), key: true)
            }
            for group in object.requiredOneOfOnCreate where !group.contains(where: written.contains) {
                warning("missing_xero_field",
                        "step '\(step.name)' writes none of \(Places.quoteList(group)); Xero needs one of them to create \(Places.withArticle(object.name)) (target '\(target.name)')",
                        step.pointer.appending("map"), key: true)
            }
        }
    }

    @discardableResult
    private mutating func checkField(_ field: String, pointer: JSONPointer, object: XeroObjectSchema, target: TargetSpec) -> XeroField? {
        guard let f = object.fields[field] else {
            let hint = XeroCatalog.suggestion(for: field, among: object.fieldOrder).map { "did you mean '\($0)'?" }
            error("unknown_xero_field", "'\(field)' is not a field of Xero \(object.name) (target '\(target.name)')",
                  pointer, key: true, hint: hint)
            return nil
        }
        if f.isReadOnly && !(object.fields[field].map { target.match.contains($0.name) } ?? false)
            && field != "\(object.name)ID" {
            warning("read_only_xero_field", "'\(field)' of Xero \(object.name) is read-only; Xero ignores it on writes",
                    pointer, key: true)
        }
        return f
    }

    private mutating func checkConstant(_ value: JSONValue, field: XeroField, object: XeroObjectSchema, pointer: JSONPointer) {
        if let allowed = field.enumValues, let s = value.stringValue {
            if !allowed.contains(s) {
                let hint = Suggestion.closest(to: s, in: allowed).map { "did you mean '\($0)'?" }
                    ?? (allowed.count <= 20 ? "expected \(Places.quoteList(allowed))" : nil)
                error("invalid_xero_value", "'\(s)' is not a valid \(object.name).\(field.name); Xero accepts \(allowed.count) values",
                      pointer, hint: hint)
            }
            return
        }
        let type = value.typeName
        let accepted = field.types
        if accepted.isEmpty || type == "null" { return }
        let ok = accepted.contains(type)
            || (type == "number" && accepted.contains("integer") && value.numberValue?.isInteger == true)
            || (type == "string" && accepted.contains("number") && value.stringValue.flatMap(JSONNumber.init(literal:)) != nil)
        if !ok {
            error("invalid_xero_value",
                  "Xero \(object.name).\(field.name) expects \(accepted.map(Places.article(forType:)).joined(separator: " or ")), found \(Places.describe(value: value))",
                  pointer)
        }
    }

    // MARK: Record keys

    /// After a `group` or an `explode`, the source's `key` no longer names one record: a Xero
    /// target then needs its own `key` expression (or `match` fields, which key its records),
    /// or re-runs cannot tell records apart.
    private mutating func checkRecordKeys() {
        for t in spec.targets where t.kind == .xero && t.key == nil && t.match.isEmpty {
            var name = t.from?.name
            var seen = Set<String>()
            while let n = name, !seen.contains(n), let step = spec.step(named: n) {
                seen.insert(n)
                let reshaped = step.group != nil ? "groups" : step.explode != nil ? "explodes" : nil
                if let reshaped {
                    warning("ambiguous_record_key",
                            "step '\(step.name)' \(reshaped) records before target '\(t.name)', so the source key no longer identifies one record",
                            t.pointer, key: true,
                            hint: "give target '\(t.name)' a 'key' expression that is unique per record it sends (e.g. key: order_id)")
                    break
                }
                name = step.from?.name
            }
        }
    }

    // MARK: Schedule

    private mutating func checkSchedule() {
        guard let s = spec.schedule else { return }
        if let cron = s.cron {
            let p = s.pointer.appending("cron")
            do {
                _ = try CronExpression(parsing: cron)
            } catch {
                diagnostics.append(.error("invalid_cron", "invalid cron expression: \(error.message)",
                    at: document.location(of: p, characterOffset: error.offset, length: error.length),
                    hint: "five fields: minute hour day-of-month month day-of-week, e.g. '0 23 * * *'"))
            }
        }
        if let tz = s.timezone, CronTimeZone.resolve(tz) == nil {
            let hint = CronTimeZone.suggestion(for: tz).map { "did you mean '\($0)'?" }
                ?? "use an IANA time zone name such as 'Europe/Paris' or 'UTC'"
            error("unknown_time_zone", "'\(tz)' is not an IANA time zone", s.pointer.appending("timezone"), hint: hint)
        }
    }

    // MARK: Expressions

    private mutating func checkExpressions() {
        diagnostics += ExpressionChecks(document: document, pointers: expressionPointers, lookups: spec.lookups.map(\.name)).run()
    }

    // MARK: Tests

    private mutating func checkTests() {
        for t in spec.tests {
            if let s = t.step { resolve(s, allowed: stepNames, what: "step", owner: "test '\(t.name ?? "?")'") }
        }
    }

    // MARK: Unused parts

    private mutating func checkUnused() {
        var used = Set<String>()
        for s in spec.steps {
            if let f = s.from?.name { used.insert(f) }
            if let w = s.join?.with?.name { used.insert(w) }
        }
        for t in spec.targets { if let f = t.from?.name { used.insert(f) } }
        for s in spec.sources where !used.contains(s.name) {
            warning("unused_source", "source '\(s.name)' is not read by any step or target", s.pointer, key: true)
        }
        for s in spec.steps where !used.contains(s.name) {
            warning("unused_step", "step '\(s.name)' feeds no step or target, so its records go nowhere", s.pointer, key: true)
        }
    }
}
