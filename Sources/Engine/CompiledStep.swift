import Expressions
import Foundation
import JSONModel
import PipelineExpressions
import Spec

/// A problem with one record: which record, what went wrong, and where in the YAML.
public struct RecordFailure: Sendable, Error, CustomStringConvertible {
    /// The node (step or target) and the part (`map.Name`, `filter`) that failed.
    public var node: String
    public var part: String
    public var message: String
    /// JSON pointer of the failing expression in the pipeline file.
    public var pointer: JSONPointer
    public var record: JSONValue
    public var description: String { "\(node) (\(part)): \(message)" }
}

/// Where a record came from: the key of its source record (or group), and a hash of the
/// source data it was made from. A target compares that hash with the one it last pushed: a
/// record whose data did not change, only the pipeline's mapping, is not pushed again unless
/// asked (`run --resync`).
public struct Origin: Sendable, Hashable {
    public var key: String
    public var hash: String
    public init(key: String, hash: String) {
        self.key = key
        self.hash = hash
    }

    /// The hash of a group: its members' hashes, in order.
    static func combine(_ hashes: [String]) -> String {
        PipelineRunner.hash(.array(hashes.map { .string($0) }))
    }
}

/// An expression of a step, compiled once, with where it is in the pipeline file.
struct CompiledExpression: Sendable {
    let expression: Expressions.Expression
    let part: String
    let pointer: JSONPointer
    /// Its place among its step's expressions (see ``StepEvaluations``).
    var slot = 0

    init(_ ref: ExpressionRef, part: String) throws {
        do {
            expression = try Expressions.Expression(ref.text)
        } catch {
            throw StepError(message: "\(part): \(error)", pointer: ref.pointer)
        }
        self.part = part
        pointer = ref.pointer
    }
}

/// A step's expressions failed to compile (validate reports these first; this is a backstop).
public struct StepError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let pointer: JSONPointer
    public var description: String { message }
}

/// A step ready to run: its parts in the order the pipeline format fixes — filter, explode,
/// join, group, map, set, dedupe — with every expression compiled once.
public struct CompiledStep: Sendable {
    public let spec: StepSpec
    private(set) var filter: CompiledExpression?
    private(set) var explodeEach: CompiledExpression?
    private(set) var joinOn: CompiledExpression?
    private(set) var joinEquals: CompiledExpression?
    private(set) var groupBy: [CompiledExpression]
    private(set) var map: [(field: String, expression: CompiledExpression)]
    private(set) var dedupeBy: CompiledExpression?
    /// The map's field names, in order, and the slot of each field's expression.
    private let mapFields: JSONObject.Layout

    public init(_ spec: StepSpec) throws {
        self.spec = spec
        filter = try spec.filter.map { try CompiledExpression($0, part: "filter") }
        explodeEach = try spec.explode?.each.map { try CompiledExpression($0, part: "explode.each") }
        joinOn = try spec.join?.on.map { try CompiledExpression($0, part: "join.on") }
        joinEquals = try spec.join?.equals.map { try CompiledExpression($0, part: "join.equals") }
        groupBy = try (spec.group?.by ?? []).map { try CompiledExpression($0, part: "group.by") }
        map = try spec.map.map { ($0.field, try CompiledExpression($0.expression, part: "map.\($0.field)")) }
        mapFields = JSONObject.Layout(uniqueKeys: map.map(\.field))
        dedupeBy = try spec.dedupe?.by.map { try CompiledExpression($0, part: "dedupe.by") }
        // Number the expressions: each has its prepared evaluation at its slot.
        var n = 0
        func number(_ e: inout CompiledExpression?) { if e != nil { e!.slot = n; n += 1 } }
        number(&filter); number(&explodeEach); number(&joinOn); number(&joinEquals); number(&dedupeBy)
        for i in groupBy.indices { groupBy[i].slot = n; n += 1 }
        for i in map.indices { map[i].expression.slot = n; n += 1 }
    }

    /// Every expression of the step, by slot.
    var expressions: [CompiledExpression] {
        var all = [filter, explodeEach, joinOn, joinEquals, dedupeBy].compactMap { $0 } + groupBy + map.map(\.expression)
        all.sort { $0.slot < $1.slot }
        return all
    }

    /// The step's expressions prepared for evaluations on one thread with these bindings.
    func evaluations(_ bindings: [String: JSONValue]) -> StepEvaluations {
        StepEvaluations(prepared: expressions.map {
            $0.expression.prepared(bindings: bindings, environment: PipelineFunctions.environment, limits: Self.limits)
        })
    }

    /// The evaluation settings of pipeline expressions: exact decimals, a time budget per record.
    static let limits = EvaluationLimits(timeout: .seconds(5), maxDepth: 500, numbers: .exact)

    /// ``evaluate(_:_:_:)`` for a caller that took the record apart once (`object`): an
    /// expression whose shape is read straight from an object reads it there.
    @inline(__always)
    func evaluate(_ e: CompiledExpression, _ record: JSONValue, object: JSONObject?, _ ev: StepEvaluations) throws(RecordFailure) -> JSONValue? {
        if let object, let quick = ev.prepared[e.slot].evaluate(object: object) { return quick }
        return try evaluate(e, record, ev)
    }

    func evaluate(_ e: CompiledExpression, _ record: JSONValue, _ ev: StepEvaluations) throws(RecordFailure) -> JSONValue? {
        do {
            return try ev.prepared[e.slot].evaluate(record)
        } catch {
            throw RecordFailure(node: spec.name, part: e.part, message: "\(error)", pointer: e.pointer, record: record)
        }
    }

    /// Runs the step over its input. Records that fail an expression are returned apart, with
    /// the reason; the others go on.
    ///
    /// - Parameters:
    ///   - input: the records of `from`, in order.
    ///   - bindings: lookup tables and run context (`$pipeline`, `$run`).
    ///   - joined: the records of `join.with`, when the step joins.
    ///   - keepGroup: when the step groups, decides which groups go on (an incremental run keeps
    ///     the groups with a new member).
    public func run(_ input: [JSONValue], bindings: [String: JSONValue], joined: [JSONValue] = [],
                    keepGroup: (([JSONValue]) -> Bool)? = nil) -> (records: [JSONValue], failures: [RecordFailure]) {
        let r = run(input, origins: input.indices.map { Origin(key: String($0), hash: "") }, bindings: bindings, joined: joined, keepGroup: keepGroup)
        return (r.records, r.failures)
    }

    /// `run`, with each record's origin carried along: the key of the source record it came
    /// from (filter, join, map, set and dedupe keep it; an exploded record adds its position,
    /// `KEY#2`; a group's record is known by its group key). A target without a `key` of its
    /// own knows its records by their origin, so a changed mapping updates what it wrote
    /// instead of writing it again.
    public func run(_ input: [JSONValue], origins inputOrigins: [Origin], bindings: [String: JSONValue], joined: [JSONValue] = [],
                    keepGroup: (([JSONValue]) -> Bool)? = nil) -> (records: [JSONValue], origins: [Origin], failures: [RecordFailure]) {
        var failures: [RecordFailure] = []
        let ev = evaluations(bindings)
        let index = joinIndex(joined, ev, failures: &failures)
        var batch = beforeGroup(Batch(records: input, origins: inputOrigins), ev, joinIndex: index, failures: &failures)
        if spec.group != nil, !groupBy.isEmpty {
            var order: [JSONValue] = []
            var groups: [JSONValue: [JSONValue]] = [:]
            var memberHashes: [JSONValue: [String]] = [:]
            for (r, origin) in zip(batch.records, batch.origins) {
                do throws(RecordFailure) {
                    let key = try groupKey(r, ev)
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(r)
                    memberHashes[key, default: []].append(origin.hash)
                } catch { failures.append(error) }
            }
            batch = Batch()
            for key in order {
                let members = groups[key]!
                if let keepGroup, !keepGroup(members) { continue }
                let (record, origin) = merged(members, key: key, hashes: memberHashes[key] ?? [])
                batch.append(record, origin)
            }
        }
        batch = afterGroup(batch, ev, failures: &failures)
        if let dedupe = spec.dedupe, let by = dedupeBy {
            var kept: [JSONValue: (position: Int, record: JSONValue, origin: Origin)] = [:]
            for (i, r) in batch.records.enumerated() {
                do throws(RecordFailure) {
                    let key = Self.normalisedKey(try evaluate(by, r, ev) ?? .null)
                    if kept[key] == nil || dedupe.keep == .last { kept[key] = (kept[key]?.position ?? i, r, batch.origins[i]) }
                } catch { failures.append(error) }
            }
            let sorted = kept.values.sorted { $0.position < $1.position }
            batch = Batch(records: sorted.map(\.record), origins: sorted.map(\.origin))
        }
        return (batch.records, batch.origins, failures)
    }

    /// Records with their origins, side by side.
    struct Batch {
        var records: [JSONValue] = []
        var origins: [Origin] = []
        mutating func append(_ record: JSONValue, _ origin: Origin) {
            records.append(record)
            origins.append(origin)
        }
        var isEmpty: Bool { records.isEmpty }
        /// The records (and origins) of `range`, as a batch of their own.
        subscript(_ range: Range<Int>) -> Batch {
            Batch(records: Array(records[range]), origins: Array(origins[range]))
        }
        /// Appends `other`'s records and origins, in order.
        static func += (lhs: inout Batch, rhs: Batch) {
            lhs.records += rhs.records
            lhs.origins += rhs.origins
        }
    }

    /// The records of `join.with` by the value of `equals` (empty when the step does not join).
    func joinIndex(_ joined: [JSONValue], _ ev: StepEvaluations, failures: inout [RecordFailure]) -> [JSONValue: [JSONValue]] {
        guard spec.join != nil, let equals = joinEquals else { return [:] }
        var index: [JSONValue: [JSONValue]] = [:]
        for right in joined {
            do throws(RecordFailure) {
                if let k = try evaluate(equals, right, ev) { index[Self.normalisedKey(k), default: []].append(right) }
            } catch { failures.append(error) }
        }
        return index
    }

    /// The parts before `group`, record by record: filter, explode, join.
    func beforeGroup(_ input: Batch, _ ev: StepEvaluations, joinIndex index: [JSONValue: [JSONValue]],
                     failures: inout [RecordFailure]) -> Batch {
        var batch = input
        if let filter {
            var kept = Batch()
            for (r, o) in zip(batch.records, batch.origins) {
                do throws(RecordFailure) {
                    if try evaluate(filter, r, ev)?.boolValue == true { kept.append(r, o) }
                } catch { failures.append(error) }
            }
            batch = kept
        }
        if let each = explodeEach, let field = spec.explode?.asField {
            var out = Batch()
            for (r, origin) in zip(batch.records, batch.origins) {
                do throws(RecordFailure) {
                    let value = try evaluate(each, r, ev)
                    let elements: [JSONValue] = value.map { $0.arrayValue ?? [$0] } ?? []
                    for (i, e) in elements.enumerated() {
                        var o = r.objectValue ?? [:]
                        o[field] = e
                        out.append(.object(o), Origin(key: "\(origin.key)#\(i)", hash: origin.hash))
                    }
                } catch { failures.append(error) }
            }
            batch = out
        }
        if let join = spec.join, let on = joinOn, joinEquals != nil, let field = join.asField {
            var out = Batch()
            for (r, origin) in zip(batch.records, batch.origins) {
                do throws(RecordFailure) {
                    let matches = try evaluate(on, r, ev).map { index[Self.normalisedKey($0)] ?? [] } ?? []
                    if matches.isEmpty && join.type == .inner { continue }
                    var o = r.objectValue ?? [:]
                    if join.many { o[field] = .array(matches) } else if let first = matches.first { o[field] = first }
                    out.append(.object(o), origin)
                } catch { failures.append(error) }
            }
            batch = out
        }
        return batch
    }

    /// A record's group key (normalised, composite keys as an array).
    func groupKey(_ r: JSONValue, _ ev: StepEvaluations) throws(RecordFailure) -> JSONValue {
        if groupBy.count == 1 {
            // (the usual single key: no array of parts per record)
            return Self.normalisedKey(try evaluate(groupBy[0], r, object: r.objectValue, ev) ?? .null)
        }
        let parts = try groupBy.map { e throws(RecordFailure) in try evaluate(e, r, ev) ?? .null }
        return Self.normalisedKey(parts.count == 1 ? parts[0] : .array(parts))
    }

    /// One group's record: its first member plus `into` holding all of them; known by its key,
    /// and by its members' source hashes when they are carried (a streamed run has none).
    func merged(_ members: [JSONValue], key: JSONValue, hashes: [String]?) -> (JSONValue, Origin) {
        Self.merged(members, key: key, into: spec.group?.into ?? "items", hashes: hashes, layouts: nil)
    }

    /// `merged` for a caller that holds what it needs apart from the step (a closure called
    /// for each record would otherwise copy the whole step), with the layouts of the merged
    /// objects it made (on one thread) so that groups of one shape share their names.
    static func merged(_ members: [JSONValue], key: JSONValue, into: String, hashes: [String]?,
                       layouts: MergedLayouts?) -> (JSONValue, Origin) {
        let origin = Origin(key: "group:" + (key.stringValue ?? JSONWriter.write(key)), hash: hashes.map(Origin.combine) ?? "")
        if let layouts, case .object(let first)? = members.first, let layout = layouts.layout(first.keys, adding: into) {
            var values = first.values
            values.append(.array(members))
            return (.object(JSONObject(layout: layout, values: values)), origin)
        }
        var o = members[0].objectValue ?? [:]
        o[into] = .array(members)
        return (.object(o), origin)
    }

    /// The parts after `group`, record by record: map, set.
    func afterGroup(_ input: Batch, _ ev: StepEvaluations, failures: inout [RecordFailure]) -> Batch {
        var batch = input
        if !map.isEmpty {
            var out = Batch()
            out.records.reserveCapacity(batch.records.count)
            out.origins.reserveCapacity(batch.records.count)
            // Field names are a YAML mapping's keys: distinct. A record with every field shares
            // the one array of names and its index (none per record; writers can recognise the shape).
            let layout = mapFields
            // (each field's prepared expression, looked up once per chunk: a field's compiled
            // expression is only copied for a failure)
            let prepared = map.map { ev.prepared[$0.expression.slot] }
            for (r, origin) in zip(batch.records, batch.origins) {
                var values: [JSONValue] = []
                values.reserveCapacity(prepared.count)
                var missing: [Int] = []
                var failed = false
                let object = r.objectValue  // (taken apart once for all the fields)
                for i in 0..<prepared.count {
                    do {
                        let v: JSONValue?
                        if let object, let quick = prepared[i].evaluate(object: object) { v = quick } else { v = try prepared[i].evaluate(r) }
                        if let v { values.append(v) } else { missing.append(i) }
                    } catch {
                        let e = map[i].expression
                        failures.append(RecordFailure(node: spec.name, part: e.part, message: "\(error)", pointer: e.pointer, record: r))
                        failed = true
                        break
                    }
                }
                if failed { continue }
                if missing.isEmpty {
                    out.append(.object(JSONObject(layout: layout, values: values)), origin)
                } else {
                    var present = layout.keys
                    for i in missing.reversed() { present.remove(at: i) }
                    out.append(.object(JSONObject(uniqueKeys: present, values: values)), origin)
                }
            }
            batch = out
        }
        if !spec.set.isEmpty {
            batch.records = batch.records.map { r in
                var o = r.objectValue ?? [:]
                for (field, value, _) in spec.set { o[field] = value }
                return .object(o)
            }
        }
        return batch
    }

    /// Keys compare by value: `1`, `1.0` and `"1"` are different kinds, but 1 and 1.00 are one.
    static func normalisedKey(_ v: JSONValue) -> JSONValue {
        if case .number(let n) = v { return .string("#" + n.jsonText) }
        return v
    }
}

/// The layout of a group's record (its first member's names and `into`) for the last few
/// member layouts met, known by their array of names. For one thread.
final class MergedLayouts {
    private var known: [(names: [String], into: String, layout: JSONObject.Layout?)] = []

    /// Nil when `into` is one of the names already (the member's value is replaced in place).
    func layout(_ names: [String], adding into: String) -> JSONObject.Layout? {
        let id = names.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        if id != nil, let hit = known.first(where: { $0.into == into && $0.names.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } == id }) {
            return hit.layout
        }
        let layout = names.contains(into) ? nil : JSONObject.Layout(uniqueKeys: names + [into])
        // (the array of names is kept, so its storage, the layout's identity, is not reused)
        if id != nil {
            if known.count == 4 { known.removeFirst() }
            known.append((names, into, layout))
        }
        return layout
    }
}

/// A step's expressions, prepared for one thread (see ``PreparedExpression``).
final class StepEvaluations {
    let prepared: [PreparedExpression]
    init(prepared: [PreparedExpression]) { self.prepared = prepared }
}
