import Crypto
import Foundation
import JSONModel
import PipelineExpressions
import Spec

/// What the engine remembers between runs (the `State` target keeps it in SQLite).
public protocol RunStateStore: Sendable {
    /// Starts a run, holding the pipeline's lock: a second run of the same pipeline is refused.
    func beginRun(pipeline: String, pipelineHash: String) throws -> String
    func cursor(pipeline: String, source: String) throws -> String?
    /// What each key last wrote to a target.
    func written(pipeline: String, target: String) throws -> [String: WrittenEntry]
    /// Remembers entries at once, in their own transaction (a target's batches as they land).
    func saveWritten(pipeline: String, target: String, runID: String, entries: [String: WrittenEntry]) throws
    /// Remembers plain entries (a content hash each, nothing else) in the order given, in their
    /// own transaction; a key given twice keeps the later hash. A streamed file or table target's chunks.
    func saveWritten(pipeline: String, target: String, runID: String, keys: [String], contentHashes: ContentHashes) throws
    /// After a streamed target is committed (or abandoned): what earlier runs saved for it is
    /// dropped when `replacedAll` (the target now holds this run's records and nothing older),
    /// else kept under this run's entries.
    func settleWritten(pipeline: String, target: String, runID: String, replacedAll: Bool) throws
    /// Ends a run: its outcome and counts, the cursors that may advance, the keys written, the
    /// records set apart. One transaction; the lock is released.
    func finishRun(_ run: RunRecord) throws
}

/// A finished run, as the state store keeps it.
public struct RunRecord: Sendable {
    public var id: String
    public var pipeline: String
    public var outcome: String
    public var counts: [String: NodeCounts]
    public var cursors: [String: String]
    public var written: [String: [String: WrittenEntry]]
    public var quarantined: [QuarantinedRecord]
    public var startedAt: Date
    public var endedAt: Date
}

public struct NodeCounts: Sendable, Codable, Equatable {
    public var read = 0
    public var output = 0
    public var failed = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    /// Records a target left alone by a policy (start date, lock date, status, deleted in Xero).
    public var left = 0
    public var skipped = false
    public init() {}

    enum CodingKeys: String, CodingKey { case read, output, failed, created, updated, unchanged, left, skipped }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        read = try c.decodeIfPresent(Int.self, forKey: .read) ?? 0
        output = try c.decodeIfPresent(Int.self, forKey: .output) ?? 0
        failed = try c.decodeIfPresent(Int.self, forKey: .failed) ?? 0
        created = try c.decodeIfPresent(Int.self, forKey: .created) ?? 0
        updated = try c.decodeIfPresent(Int.self, forKey: .updated) ?? 0
        unchanged = try c.decodeIfPresent(Int.self, forKey: .unchanged) ?? 0
        left = try c.decodeIfPresent(Int.self, forKey: .left) ?? 0
        skipped = try c.decodeIfPresent(Bool.self, forKey: .skipped) ?? false
    }
}

public struct QuarantinedRecord: Sendable {
    public var node: String
    public var part: String
    public var message: String
    /// `file:line:column` of the failing expression.
    public var location: String
    public var record: JSONValue
}

/// Runs a validated pipeline: sources are read (from their cursors), steps run in dependency
/// order, targets are written by key, and the state store learns the outcome. A target whose
/// writes fail stops the targets that come `after` it; a source's cursor advances only when
/// every target fed by it succeeded, so a crash or a failure re-reads the same records next time,
/// and keyed writes make that harmless.
public struct PipelineRunner {
    public struct Options: Sendable {
        public var dryRun = false
        public var fullRefresh = false
        /// Identifies the pipeline file's content in the run's record (the CLI hashes the file).
        public var pipelineHash = ""
        /// Send records to Xero again even when their content did not change.
        public var resync = false
        /// Told each node's counts as soon as the node is done (progress displays).
        public var progress: (@Sendable (String, NodeCounts) -> Void)?
        /// Told after each chunk of a streamed run: records read so far, and the time left
        /// when the source's size is known.
        public var live: (@Sendable (LiveProgress) -> Void)?
        public init() {}
    }

    public struct Summary: Sendable {
        public var runID: String?
        public var counts: [(node: String, counts: NodeCounts)]
        public var problems: [String]
        public var quarantined: [QuarantinedRecord]
        /// What targets reported besides counts (reference data, lock dates).
        public var notes: [String] = []
        public var succeeded: Bool { problems.isEmpty }
    }

    let spec: PipelineSpec
    let location: (JSONPointer) -> String
    let baseDirectory: URL
    let connectors: any ConnectorFactory
    let state: (any RunStateStore)?
    let options: Options

    public init(spec: PipelineSpec, location: @escaping (JSONPointer) -> String, baseDirectory: URL, connectors: any ConnectorFactory,
                state: (any RunStateStore)?, options: Options = Options()) {
        self.spec = spec
        self.location = location
        self.baseDirectory = baseDirectory
        self.connectors = connectors
        self.state = state
        self.options = options
    }

    /// A test hook: `XEROFLOW_FAULT_KILL_AFTER_TARGET=NAME` kills the process right after that
    /// target's writes, before the state store records them.
    static let killAfterTarget = ProcessInfo.processInfo.environment["XEROFLOW_FAULT_KILL_AFTER_TARGET"]

    /// Records with their origins (the key of the source record each came from).
    struct Rows {
        var records: [JSONValue]
        var origins: [Origin]
    }

    /// A source record's origin: its key (its `key:` fields' values joined by `|`, else its
    /// content hash) and its content hash.
    static func origin(_ record: JSONValue, fields: [String]) -> Origin {
        let h = hash(record)
        if !fields.isEmpty {
            let parts = fields.compactMap { record[$0].map(CursorOrder.text) }
            if parts.count == fields.count { return Origin(key: parts.joined(separator: "|"), hash: h) }
        }
        return Origin(key: h, hash: h)
    }

    /// The values of a target's `match` fields (dotted paths such as `Contact.ContactNumber`),
    /// or nil when one is missing.
    public static func matchValues(_ record: JSONValue, match: [String]) -> [String: String]? {
        var out: [String: String] = [:]
        for path in match {
            var v: JSONValue? = record
            for part in path.split(separator: ".") { v = v?[String(part)] }
            guard let v, v != .null else { return nil }
            out[path] = CursorOrder.text(v)
        }
        return out
    }

    public func run() throws -> Summary {
        if let plan = streamPlan() { return try runStreaming(plan) }
        let pipeline = spec.name ?? "pipeline"
        let started = Date()
        let runID = try options.dryRun ? nil : state?.beginRun(pipeline: pipeline, pipelineHash: options.pipelineHash)
        var counts: [String: NodeCounts] = [:]
        var problems: [String] = []
        var quarantined: [QuarantinedRecord] = []
        var notes: [String] = []
        var cache: [String: Rows] = [:]
        var newCursors: [String: String] = [:]
        var failedNodes = Set<String>()
        let bindings = runBindings(runID: runID, started: started)
        let sources = Dictionary(spec.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let steps = Dictionary(spec.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var compiled: [String: CompiledStep] = [:]
        // Independent sources and steps are computed at the same time (below): what they share
        // is touched under this lock only.
        let lock = NSLock()
        func sync<T>(_ body: () throws -> T) rethrows -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body()
        }

        func records(_ name: String) throws -> Rows {
            if let cached = sync({ cache[name] }) { return cached }
            var out: Rows
            if let source = sources[name] {
                let reader = try connectors.reader(for: source, baseDirectory: baseDirectory)
                // A first run starts at `since:` when the source gives one.
                let cursor = options.fullRefresh ? nil : try state?.cursor(pipeline: pipeline, source: name) ?? source.since
                let read = try reader.read(after: cursor)
                out = Rows(records: read, origins: read.map { Self.origin($0, fields: source.key) })
                sync {
                    counts[name, default: NodeCounts()].read = read.count
                    counts[name, default: NodeCounts()].output = read.count
                }
                if let field = source.cursor {
                    let values = read.compactMap { $0[field].map(CursorOrder.text) }
                    if var best = cursor ?? values.first {
                        for v in values where CursorOrder.isAfter(v, best) { best = v }
                        sync { newCursors[name] = best }
                    }
                }
            } else if let step = steps[name] {
                let c = try sync { try compiled[name] ?? CompiledStep(step) }
                sync { compiled[name] = c }
                var input: Rows
                var keepGroup: (([JSONValue]) -> Bool)?
                if step.group != nil, let from = step.from?.name, let source = sources[from], let field = source.cursor,
                   !options.fullRefresh, let stored = try state?.cursor(pipeline: pipeline, source: from) {
                    // An incremental source feeding a group: a group needs all its members, old
                    // and new. Read the source whole and keep the groups with a new member.
                    _ = try records(from)  // reads from the cursor: counts and the next cursor
                    let reader = try connectors.reader(for: source, baseDirectory: baseDirectory)
                    let all = try reader.read(after: nil)
                    input = Rows(records: all, origins: all.map { Self.origin($0, fields: source.key) })
                    keepGroup = { members in
                        members.contains { m in m[field].map { CursorOrder.isAfter(CursorOrder.text($0), stored) } ?? true }
                    }
                } else {
                    input = try records(step.from?.name ?? "")
                }
                let joined = try step.join?.with.map { try records($0.name).records } ?? []
                let result = c.run(input.records, origins: input.origins, bindings: bindings, joined: joined, keepGroup: keepGroup)
                out = Rows(records: result.records, origins: result.origins)
                let setApart = result.failures.map {
                    QuarantinedRecord(node: $0.node, part: $0.part, message: $0.message, location: location($0.pointer), record: $0.record)
                }
                let (inCount, outCount) = (input.records.count, out.records.count)
                sync {
                    counts[name, default: NodeCounts()].read = inCount
                    counts[name, default: NodeCounts()].output = outCount
                    counts[name, default: NodeCounts()].failed = setApart.count
                    quarantined += setApart
                }
            } else {
                throw ConnectorError("'\(name)' is neither a source nor a step")
            }
            let result = out
            sync {
                cache[name] = result
                options.progress?(name, counts[name] ?? NodeCounts())
            }
            return out
        }

        // Stages: sources first, then each step once what it reads is ready. The nodes of one
        // stage are independent branches and run at the same time. A node that fails here is
        // computed again (and its error reported) by the target that needs it.
        var level: [String: Int] = [:]
        func levelOf(_ name: String, depth: Int = 0) -> Int {
            if let l = level[name] { return l }
            guard depth < 1_000, let step = steps[name] else { return 0 }
            var l = levelOf(step.from?.name ?? "", depth: depth + 1)
            if let with = step.join?.with?.name { l = max(l, levelOf(with, depth: depth + 1)) }
            level[name] = l + 1
            return l + 1
        }
        var needed = Set<String>()
        func need(_ name: String, depth: Int = 0) {
            guard depth < 1_000, needed.insert(name).inserted, let step = steps[name] else { return }
            if let from = step.from?.name { need(from, depth: depth + 1) }
            if let with = step.join?.with?.name { need(with, depth: depth + 1) }
        }
        for t in spec.targets { if let from = t.from?.name { need(from) } }
        let stages = Dictionary(grouping: needed.filter { sources[$0] != nil || steps[$0] != nil }, by: { levelOf($0) })
        for stage in stages.keys.sorted() {
            let nodes = stages[stage]!.sorted()
            // `records` touches shared state only under `lock`, which the compiler cannot see.
            let compute = UncheckedSendable(records)
            DispatchQueue.concurrentPerform(iterations: nodes.count) { i in _ = try? compute.value(nodes[i]) }
        }

        /// The sources a node reads, directly or through steps.
        func upstreamSources(_ name: String) -> Set<String> {
            if sources[name] != nil { return [name] }
            guard let step = steps[name] else { return [] }
            var out = upstreamSources(step.from?.name ?? "")
            if let with = step.join?.with?.name { out.formUnion(upstreamSources(with)) }
            return out
        }

        // What targets wrote, this run and before: references between targets resolve here.
        let entryBook = EntryBook(pipeline: pipeline, state: state)
        var written: [String: [String: WrittenEntry]] = [:]
        let xeroTargets = spec.targets.filter { $0.kind == .xero }
        for target in Self.ordered(spec.targets, steps: spec.steps) {
            var c = NodeCounts()
            if let blocked = Self.dependencies(of: target, in: spec.targets, steps: spec.steps).first(where: { failedNodes.contains($0) }) {
                c.skipped = true
                counts[target.name] = c
                failedNodes.insert(target.name)
                problems.append("target '\(target.name)' (\(location(target.pointer))): skipped because '\(blocked)' failed")
                continue
            }
            do {
                let input = try records(target.from?.name ?? "")
                c.read = input.records.count
                let keyExpression = try target.key.map { try CompiledExpression($0, part: "key") }
                let isXero = target.kind == .xero
                func key(_ r: JSONValue, origin: Origin?) -> String {
                    if let e = keyExpression, let v = try? e.expression.evaluate(r, bindings: bindings, environment: PipelineFunctions.environment) {
                        return CursorOrder.text(v)
                    }
                    if isXero {
                        // A Xero record is known by its match values, else by where it came from.
                        if !target.match.isEmpty, let m = Self.matchValues(r, match: target.match) {
                            return target.match.map { m[$0]! }.joined(separator: "|")
                        }
                        if let origin { return origin.key }
                    }
                    return Self.hash(r)
                }
                let keyed = zip(input.records, input.origins).map { (key: key($0, origin: $1), record: $0) }
                var sourceHashes: [String: String] = [:]
                for (k, o) in zip(keyed, input.origins) { sourceHashes[k.key] = o.hash }
                let previous = try state?.written(pipeline: pipeline, target: target.name) ?? [:]
                let writer: (any TargetWriter)? = options.dryRun && !isXero ? nil : try connectors.writer(for: target, baseDirectory: baseDirectory)
                if let recordWriter = writer as? any RecordTargetWriter {
                    let fromPointer = target.from.flatMap { steps[$0.name]?.pointer } ?? target.pointer
                    let targetName = target.name
                    let state = self.state
                    let dryRun = options.dryRun
                    let context = TargetContext(
                        pipeline: pipeline, runID: runID, previous: previous, sourceHashes: sourceHashes, resync: options.resync, dryRun: dryRun,
                        location: location(fromPointer),
                        save: { entries in
                            guard !dryRun, let runID, let state else { return }
                            try state.saveWritten(pipeline: pipeline, target: targetName, runID: runID, entries: entries)
                            if Self.killAfterBatch == targetName { kill(getpid(), SIGKILL) }
                        },
                        entries: { endpoint in
                            var merged: [String: WrittenEntry] = [:]
                            for t in xeroTargets where t.location == endpoint && t.name != targetName {
                                merged.merge(entryBook.entries(t.name)) { a, _ in a }
                            }
                            return merged
                        })
                    let outcome = try recordWriter.push(keyed, context: context)
                    c.created = outcome.report.created
                    c.updated = outcome.report.updated
                    c.unchanged = outcome.report.unchanged
                    c.left = outcome.skipped
                    c.failed = outcome.rejected.count
                    notes += outcome.notes.map { "\(target.name): \($0)" }
                    if !options.dryRun { written[target.name] = outcome.written }
                    entryBook.add(target.name, outcome.written)
                    let where_ = location(fromPointer)
                    quarantined += outcome.rejected.map {
                        QuarantinedRecord(node: target.name, part: "xero \(target.location ?? "")", message: $0.message, location: where_, record: $0.record)
                    }
                    if target.onError == .fail, let first = outcome.rejected.first {
                        failedNodes.insert(target.name)
                        problems.append("target '\(target.name)' (\(location(target.pointer))): \(outcome.rejected.count) record(s) refused, the first: \(first.message)")
                    }
                } else if let writer {
                    let report = try writer.write(keyed, keyOf: { key($0, origin: nil) })
                    c.created = report.created
                    c.updated = report.updated
                    c.unchanged = report.unchanged
                    var entries: [String: WrittenEntry] = [:]
                    for (k, r) in keyed { entries[k] = WrittenEntry(contentHash: Self.contentHash(r, target: target)) }
                    written[target.name] = entries
                } else {
                    for (k, r) in keyed {
                        if let h = previous[k]?.contentHash { if h == Self.contentHash(r, target: target) { c.unchanged += 1 } else { c.updated += 1 } } else { c.created += 1 }
                    }
                }
                if !options.dryRun, Self.killAfterTarget == target.name { kill(getpid(), SIGKILL) }
            } catch {
                failedNodes.insert(target.name)
                problems.append("target '\(target.name)' (\(location(target.pointer))): \(error)")
            }
            counts[target.name] = c
            options.progress?(target.name, c)
        }

        // Cursors advance only for sources whose every target succeeded.
        var cursors: [String: String] = [:]
        for (source, value) in newCursors {
            let fed = spec.targets.filter { upstreamSources($0.from?.name ?? "").contains(source) }
            if fed.allSatisfy({ !failedNodes.contains($0.name) }) { cursors[source] = value }
        }
        return try conclude(runID: runID, started: started, counts: counts, problems: problems, quarantined: quarantined, notes: notes,
                            cursors: cursors, written: written)
    }

    /// Lookup tables by name, as expressions see them (`$lookup($accounts, …)`).
    static func lookupTables(_ spec: PipelineSpec) -> [String: JSONValue] {
        var lookups: [String: JSONValue] = [:]
        for l in spec.lookups { lookups[l.name] = .object(l.table) }
        return lookups
    }

    /// The variables every expression of a run sees: lookups, `$pipeline`, `$run`.
    func runBindings(runID: String?, started: Date) -> [String: JSONValue] {
        PipelineFunctions.bindings(lookups: Self.lookupTables(spec), pipeline: spec.name ?? "pipeline", runID: runID ?? "dry-run", startedAt: started)
    }

    /// Ends a run: its summary, and (unless a dry run) its record in the state store with the
    /// outcome, the cursors that may advance and the keys written.
    func conclude(runID: String?, started: Date, counts: [String: NodeCounts], problems: [String], quarantined: [QuarantinedRecord],
                  notes: [String], cursors: [String: String], written: [String: [String: WrittenEntry]]) throws -> Summary {
        let order = spec.sources.map(\.name) + spec.steps.map(\.name) + spec.targets.map(\.name)
        let summary = Summary(runID: runID, counts: order.compactMap { n in counts[n].map { (n, $0) } }, problems: problems,
                              quarantined: quarantined, notes: notes)
        if let runID, let state {
            let outcome = problems.isEmpty ? (quarantined.isEmpty ? "succeeded" : "succeeded with failures") : "failed"
            try state.finishRun(RunRecord(id: runID, pipeline: spec.name ?? "pipeline", outcome: outcome, counts: counts, cursors: cursors,
                                          written: written, quarantined: quarantined, startedAt: started, endedAt: Date()))
        }
        return summary
    }

    /// A test hook: `XEROFLOW_FAULT_KILL_AFTER_BATCH=NAME` kills the process right after the
    /// first batch of that target is remembered.
    static let killAfterBatch = ProcessInfo.processInfo.environment["XEROFLOW_FAULT_KILL_AFTER_BATCH"]

    /// The targets a target waits for: its `after`, and the Xero targets whose records its
    /// records refer to (an invoice's contact, a payment's invoice, a transaction's bank account).
    public static func dependencies(of target: TargetSpec, in targets: [TargetSpec], steps: [StepSpec]) -> [String] {
        var out = target.after.map(\.name)
        guard target.kind == .xero, let endpoint = target.location else { return out }
        let refers = XeroReferences.referencedEndpoints(of: endpoint)
        for other in targets where other.name != target.name && other.kind == .xero {
            guard let e = other.location, refers.contains(e), !out.contains(other.name) else { continue }
            // Two targets writing the same kind of object (patients and suppliers) are both waited for.
            out.append(other.name)
        }
        return out
    }

    /// Targets in an order that respects `after` (and otherwise the file's order).
    public static func ordered(_ targets: [TargetSpec], steps: [StepSpec] = []) -> [TargetSpec] {
        var done = Set<String>()
        var out: [TargetSpec] = []
        var remaining = targets
        while !remaining.isEmpty {
            let names = Set(remaining.map(\.name))
            guard let i = remaining.firstIndex(where: { t in
                dependencies(of: t, in: targets, steps: steps).allSatisfy { done.contains($0) || !names.contains($0) }
            }) else {
                out += remaining  // a cycle: validate reports it; run what is left in file order
                break
            }
            let t = remaining.remove(at: i)
            done.insert(t.name)
            out.append(t)
        }
        return out
    }

    /// The content hash a target remembers for a record: a file's is that of the record's text
    /// as the file holds it (``textHash(_:)``, members in the record's order: a file whose
    /// members come in another order has changed); every other target's is ``hash(_:shapes:)``,
    /// members sorted (Xero sees no order, so a reordered mapping changes nothing there).
    public static func contentHash(_ v: JSONValue, target: TargetSpec) -> String {
        target.kind == .file ? textHash(v) : hash(v)
    }

    /// SHA-256 of a record's JSON text as written, members in their order (the first 16 bytes,
    /// in hex): what a file target hashes from the very bytes it writes.
    public static func textHash(_ v: JSONValue) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(256)
        JSONWriter.write(v, into: &text)
        return text.withUnsafeBufferPointer { digestText($0) }
    }

    /// The first 16 bytes of SHA-256 of `bytes`, in hex.
    static func digestText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var one = ContentHashes()
        one.append(digestOf: bytes)
        return one[0]
    }

    /// A record's content hash: SHA-256 of its JSON with keys sorted (the first 16 bytes, in hex).
    public static func hash(_ v: JSONValue, shapes: JSONWriter.Shapes? = nil) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(256)
        return hash(v, shapes: shapes, buffer: &text)
    }

    /// ``hash(_:shapes:)`` writing the JSON text into `buffer` (emptied first), so that the
    /// records of a chunk share one.
    static func hash(_ v: JSONValue, shapes: JSONWriter.Shapes?, buffer text: inout [UInt8]) -> String {
        text.removeAll(keepingCapacity: true)
        JSONWriter.write(v, options: [.sortedKeys], shapes: shapes, into: &text)
        return text.withUnsafeBufferPointer { digestText($0) }
    }
}

/// A value the compiler cannot prove safe to share, whose sharing is made safe by a lock.
final class UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Entries of targets, loaded from the state store once per target and updated as this run's
/// targets finish; read by later targets to resolve references.
final class EntryBook: @unchecked Sendable {
    private let lock = NSLock()
    private var book: [String: [String: WrittenEntry]] = [:]
    private let pipeline: String
    private let state: (any RunStateStore)?

    init(pipeline: String, state: (any RunStateStore)?) {
        self.pipeline = pipeline
        self.state = state
    }

    func entries(_ target: String) -> [String: WrittenEntry] {
        lock.lock()
        defer { lock.unlock() }
        if let e = book[target] { return e }
        let stored = (try? state?.written(pipeline: pipeline, target: target)) ?? [:]
        book[target] = stored
        return stored
    }

    func add(_ target: String, _ entries: [String: WrittenEntry]) {
        let current = self.entries(target)
        lock.lock()
        defer { lock.unlock() }
        book[target] = current.merging(entries) { _, new in new }
    }
}

/// Which Xero objects a Xero object refers to by a nested object (`Contact`, `Invoice`,
/// `BankAccount`…): the targets writing those come first.
public enum XeroReferences {
    /// Nested reference field → the endpoint of the object it names.
    public static let fields: [String: String] = [
        "Contact": "Contacts", "Invoice": "Invoices", "CreditNote": "CreditNotes", "BankAccount": "Accounts",
        "Account": "Accounts", "FromBankAccount": "Accounts", "ToBankAccount": "Accounts", "Item": "Items",
    ]

    public static func referencedEndpoints(of endpoint: String) -> Set<String> {
        switch endpoint {
        case "Invoices", "CreditNotes", "PurchaseOrders", "Quotes": return ["Contacts", "Items", "TrackingCategories"]
        case "BankTransactions": return ["Contacts", "Accounts", "Items", "TrackingCategories"]
        case "Payments": return ["Invoices", "CreditNotes", "Accounts"]
        case "BankTransfers": return ["Accounts"]
        case "ManualJournals": return ["Accounts", "TrackingCategories"]
        case "Items": return ["Accounts"]
        default: return []
        }
    }
}
