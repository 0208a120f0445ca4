import Foundation
import JSONModel
import PipelineExpressions
import Spec

/// How a run goes when every target takes records chunk by chunk (files and SQLite tables):
/// each source is read in chunks that flow through its steps into its targets, so a run holds
/// a chunk, the groups still open and the keys written, never the whole source. Sources run at
/// the same time, each on its own thread (their branches share nothing: a step reads one
/// `from`). A join's `with` side is read whole first, as the table the join looks into.
///
/// A run streams unless: it is a dry run, a target is a Xero target or a JSON array file, a
/// target waits for another (`after`), a SQLite source is also a target's database, a step keeps the last of duplicates (`dedupe.keep:
/// last`), a group reads an incremental source (it needs the old members too), or a join's
/// `with` side is also streamed to a target. Those runs read each node whole (`run()`'s other
/// path), with the same results.
extension PipelineRunner {
    /// Records per chunk.
    static let chunkSize = 2_000

    /// The records a grouping step holds in memory before it spills them to temporary files
    /// (`XEROFLOW_GROUP_SPILL_AFTER` sets it, for tests).
    static let groupSpillAfter = ProcessInfo.processInfo.environment["XEROFLOW_GROUP_SPILL_AFTER"].flatMap { Int($0) }.map { max($0, 1) } ?? 20_000

    struct StreamPlan {
        var writers: [String: any StreamingTargetWriter]
        /// Consumers of each node: steps and targets reading it with `from`.
        var consumers: [String: [String]]
        /// Sources streamed (those a target reads through `from`).
        var streamedSources: [String]
    }

    func streamPlan() -> StreamPlan? {
        guard !options.dryRun, !spec.targets.isEmpty else { return nil }
        let sources = Dictionary(spec.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let steps = Dictionary(spec.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var writers: [String: any StreamingTargetWriter] = [:]
        for t in spec.targets {
            guard t.kind != .xero, t.after.isEmpty, Self.dependencies(of: t, in: spec.targets, steps: spec.steps).isEmpty else { return nil }
            if t.kind == .file, (t.location as NSString?)?.pathExtension.lowercased() == "json" { return nil }
            guard let w = try? connectors.writer(for: t, baseDirectory: baseDirectory) as? any StreamingTargetWriter else { return nil }
            writers[t.name] = w
        }
        var consumers: [String: [String]] = [:]
        var streamed = Set<String>()
        var withSides: [String] = []
        func walk(_ name: String, depth: Int) -> Bool {
            guard depth < 1_000 else { return false }
            if !streamed.insert(name).inserted { return true }
            if sources[name] != nil { return true }
            guard let step = steps[name], let from = step.from?.name else { return false }
            if step.dedupe?.keep == .last { return false }
            if step.group != nil, let source = sources[from], source.cursor != nil, !options.fullRefresh { return false }
            if let with = step.join?.with?.name { withSides.append(with) }
            consumers[from, default: []].append(name)
            return walk(from, depth: depth + 1)
        }
        for t in spec.targets {
            guard let from = t.from?.name, walk(from, depth: 0) else { return nil }
            consumers[from, default: []].append(t.name)
        }
        // A SQLite source read while a target writes the same file would wait on its own lock.
        let written = Set(spec.targets.filter { $0.kind == .sqlite }.compactMap(\.location).map { baseDirectory.appendingPathComponent($0).standardizedFileURL.path })
        for s in spec.sources where s.kind == .sqlite && streamed.contains(s.name) {
            if let l = s.location, written.contains((l.hasPrefix("/") ? URL(fileURLWithPath: l) : baseDirectory.appendingPathComponent(l)).standardizedFileURL.path) { return nil }
        }
        // Nodes read whole (the `with` sides of joins and what they read) must not also stream.
        var materialised = Set<String>()
        func whole(_ name: String, depth: Int) {
            guard depth < 1_000, materialised.insert(name).inserted, let step = steps[name] else { return }
            if let from = step.from?.name { whole(from, depth: depth + 1) }
            if let with = step.join?.with?.name { whole(with, depth: depth + 1) }
        }
        for w in withSides { whole(w, depth: 0) }
        guard materialised.isDisjoint(with: streamed) else { return nil }
        let streamedSources = spec.sources.map(\.name).filter { streamed.contains($0) }
        return StreamPlan(writers: writers, consumers: consumers, streamedSources: streamedSources)
    }

    func runStreaming(_ plan: StreamPlan) throws -> Summary {
        let pipeline = spec.name ?? "pipeline"
        let started = Date()
        let runID = try state?.beginRun(pipeline: pipeline, pipelineHash: options.pipelineHash)
        let bindings = runBindings(runID: runID, started: started)
        let shared = StreamShared()
        let sources = Dictionary(spec.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let steps = Dictionary(spec.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let targets = Dictionary(spec.targets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let fullRefresh = options.fullRefresh
        let state = self.state

        func quarantine(_ failures: [RecordFailure]) {
            guard !failures.isEmpty else { return }
            let set = failures.map {
                QuarantinedRecord(node: $0.node, part: $0.part, message: $0.message, location: location($0.pointer), record: $0.record)
            }
            shared.sync { shared.quarantined += set }
        }
        func cursorOf(_ source: SourceSpec) throws -> String? {
            fullRefresh ? nil : try state?.cursor(pipeline: pipeline, source: source.name) ?? source.since
        }

        // The `with` sides of joins, read whole.
        var tables: [String: [JSONValue]] = [:]
        func whole(_ name: String) throws -> [JSONValue] {
            if let t = tables[name] { return t }
            var out: [JSONValue]
            if let source = sources[name] {
                out = try connectors.reader(for: source, baseDirectory: baseDirectory).read(after: try cursorOf(source))
                shared.sync { shared.counts[name, default: NodeCounts()].read = out.count; shared.counts[name, default: NodeCounts()].output = out.count }
            } else if let step = steps[name] {
                let input = try whole(step.from?.name ?? "")
                let joined = try step.join?.with.map { try whole($0.name) } ?? []
                let r = try CompiledStep(step).run(input, bindings: bindings, joined: joined)
                quarantine(r.failures)
                out = r.records
                shared.sync {
                    shared.counts[name, default: NodeCounts()].read = input.count
                    shared.counts[name, default: NodeCounts()].output = out.count
                    shared.counts[name, default: NodeCounts()].failed = r.failures.count
                }
            } else {
                throw ConnectorError("'\(name)' is neither a source nor a step")
            }
            tables[name] = out
            return out
        }

        // The streamed graph: steps and targets as nodes.
        var nodes: [String: StreamNode] = [:]
        var setUpProblems: [String] = []
        var failedSteps: [String] = []
        for t in spec.targets {
            let keyExpression: CompiledExpression?
            do { keyExpression = try t.key.map { try CompiledExpression($0, part: "key") } } catch {
                setUpProblems.append("target '\(t.name)' (\(location(t.pointer))): \(error)")
                continue
            }
            // One target is fed by one source's branch: its key is never computed on two
            // threads at once (the target's thread keys new records and, at the first of them,
            // the old ones; the run's thread keys old ones again once the branches are done).
            let prepared = keyExpression?.expression.prepared(bindings: bindings, environment: PipelineFunctions.environment, limits: CompiledStep.limits)
            let keyText: (JSONValue) -> String? = { r in
                guard let prepared, let v = try? prepared.evaluate(r) else { return nil }
                return CursorOrder.text(v)
            }
            let key: (JSONValue) -> String = { r in keyText(r) ?? Self.hash(r) }
            // (an expression reading only some members of a record: the target reads just those of its old records)
            let partialKey = keyExpression?.expression.inputFields.map { PartialKey(fields: $0, key: keyText) }
            do {
                guard let session = try plan.writers[t.name]?.begin(keyOf: key, partialKey: partialKey)
                else { throw ConnectorError("target '\(t.name)' cannot take records in chunks") }
                nodes[t.name] = StreamNode(target: t.name, session: session, key: key)
            } catch {
                setUpProblems.append("target '\(t.name)' (\(location(t.pointer))): \(error)")
            }
        }
        for step in spec.steps where plan.consumers[step.name] != nil || targets.values.contains(where: { $0.from?.name == step.name }) {
            do {
                let compiled = try CompiledStep(step)
                var failures: [RecordFailure] = []
                let evaluations = compiled.evaluations(bindings)
                let index = compiled.joinIndex(try step.join?.with.map { try whole($0.name) } ?? [], evaluations, failures: &failures)
                quarantine(failures)
                // A grouping step maps each chunk's groups in two halves at once (see `pass`).
                let helper = step.group != nil && !compiled.map.isEmpty ? compiled.evaluations(bindings) : nil
                nodes[step.name] = StreamNode(step: compiled, evaluations: evaluations, helper: helper, joinIndex: index)
            } catch {
                failedSteps.append(step.name)
                setUpProblems.append("step '\(step.name)' (\(location(step.pointer))): \(error)")
            }
        }
        for (name, node) in nodes { node.consumers = (plan.consumers[name] ?? []).compactMap { nodes[$0] } }

        /// Targets fed by a node.
        func targetsBelow(_ name: String) -> [String] {
            if targets[name] != nil { return [name] }
            return (plan.consumers[name] ?? []).flatMap(targetsBelow)
        }

        let progress = options.progress
        let live = options.live
        let failedTargets = StreamFailures()
        for p in setUpProblems { shared.sync { shared.problems.append(p) } }
        for t in spec.targets where nodes[t.name] == nil { failedTargets.insert(t.name) }
        // A step that could not be set up (its join's other side failed to read) fails what it
        // feeds: their files stay as they were and the source's cursor stays.
        for step in failedSteps { for t in targetsBelow(step) { failedTargets.insert(t) } }

        // The keys each chunk wrote go to the state store on a thread of their own, so that the
        // target's thread goes on with the next chunk (the target is committed only after them).
        let saver = KeySaver { target, keys, hashes in
            guard let runID, let state else { return }
            try state.saveWritten(pipeline: pipeline, target: target, runID: runID, keys: keys, contentHashes: hashes)
        }
        let graveyard = Graveyard()
        let context = StreamContext(shared: shared, failedTargets: failedTargets, quarantine: quarantine, saver: saver, graveyard: graveyard)
        let streamedSources = plan.streamedSources
        let cursors = UncheckedSendable(NSLock())
        var newCursors: [String: String] = [:]
        let readSource = UncheckedSendable { (i: Int) in
            let name = streamedSources[i]
            guard let source = sources[name] else { return }
            let heads = (plan.consumers[name] ?? []).compactMap { nodes[$0] }
            do {
                let cursor = try cursorOf(source)
                var best = cursor
                var read = 0
                let reader = try connectors.reader(for: source, baseDirectory: baseDirectory)
                let sourceStarted = Date()
                try reader.chunks(after: cursor, chunkSize: Self.chunkSize) { chunk, at in
                    read += chunk.count
                    if let field = source.cursor {
                        for r in chunk {
                            if let v = r[field].map(CursorOrder.text), best.map({ CursorOrder.isAfter(v, $0) }) ?? true { best = v }
                        }
                    }
                    let batch = CompiledStep.Batch(records: chunk, origins: chunk.map { _ in Origin(key: "", hash: "") })
                    for head in heads { try head.push(batch, context) }
                    live?(LiveProgress(source: name, records: read, read: at, elapsed: Date().timeIntervalSince(sourceStarted)))
                }
                shared.sync {
                    shared.counts[name, default: NodeCounts()].read = read
                    shared.counts[name, default: NodeCounts()].output = read
                }
                progress?(name, shared.sync { shared.counts[name] ?? NodeCounts() })
                for head in heads { try head.finish(context) }
                if source.cursor != nil, let best {
                    cursors.value.lock()
                    newCursors[name] = best
                    cursors.value.unlock()
                }
            } catch {
                let below = targetsBelow(name)
                for t in below { failedTargets.insert(t) }
                shared.sync { shared.problems.append("source '\(name)' (\(location(source.pointer))): \(error)") }
            }
        }
        // Each source's branch on its own thread.
        DispatchQueue.concurrentPerform(iterations: streamedSources.count) { readSource.value($0) }

        // Targets: commit what succeeded, abandon what failed.
        for t in spec.targets { nodes[t.name]?.drain() }
        saver.drain()
        graveyard.clear()
        for t in spec.targets {
            guard let node = nodes[t.name] else { continue }
            if let failure = saver.failure(t.name) {
                failedTargets.insert(t.name)
                node.session?.abandon()
                shared.sync { shared.problems.append("target '\(t.name)' (\(location(t.pointer))): cannot remember what it wrote: \(failure)") }
                continue
            }
            if failedTargets.contains(t.name) {
                node.session?.abandon()
                shared.sync { shared.counts[t.name, default: NodeCounts()].skipped = node.failure == nil }
                if let failure = node.failure {
                    shared.sync { shared.problems.append("target '\(t.name)' (\(location(t.pointer))): \(failure)") }
                }
                continue
            }
            do {
                try node.session?.commit()
            } catch {
                failedTargets.insert(t.name)
                shared.sync { shared.problems.append("target '\(t.name)' (\(location(t.pointer))): \(error)") }
            }
            if Self.killAfterTarget == t.name { kill(getpid(), SIGKILL) }
            progress?(t.name, shared.sync { shared.counts[t.name] ?? NodeCounts() })
        }
        // What earlier runs saved for each target is dropped (a target that holds only this
        // run's records) or kept under this run's entries.
        if let state, let runID {
            for t in spec.targets {
                guard let session = nodes[t.name]?.session else { continue }
                do {
                    try state.settleWritten(pipeline: pipeline, target: t.name, runID: runID,
                                            replacedAll: !failedTargets.contains(t.name) && session.replacedAll)
                } catch {
                    failedTargets.insert(t.name)
                    shared.sync { shared.problems.append("target '\(t.name)' (\(location(t.pointer))): cannot remember what it wrote: \(error)") }
                }
            }
        }

        // Cursors advance only for sources whose every target succeeded.
        var cursorsToKeep: [String: String] = [:]
        for (source, value) in newCursors where targetsBelow(source).allSatisfy({ !failedTargets.contains($0) }) {
            cursorsToKeep[source] = value
        }
        let (counts, problems, quarantined) = shared.sync { (shared.counts, shared.problems, shared.quarantined) }
        // The keys written were saved chunk by chunk.
        return try conclude(runID: runID, started: started, counts: counts, problems: problems, quarantined: quarantined, notes: [],
                            cursors: cursorsToKeep, written: [:])
    }
}

/// How far one source of a streamed run has come.
public struct LiveProgress: Sendable {
    public var source: String
    /// Records read so far.
    public var records: Int
    /// Bytes (or records) read of the total, when known.
    public var read: ReadProgress
    public var elapsed: TimeInterval

    /// Seconds left at the rate so far, when the source's size is known.
    public var eta: TimeInterval? {
        guard let total = read.total, read.done > 0, total >= read.done else { return nil }
        return elapsed * Double(total - read.done) / Double(read.done)
    }
}

/// What the branches of a streamed run share, under a lock.
final class StreamShared: @unchecked Sendable {
    private let lock = NSLock()
    var counts: [String: NodeCounts] = [:]
    var problems: [String] = []
    var quarantined: [QuarantinedRecord] = []
    func sync<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

final class StreamFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var names = Set<String>()
    func insert(_ name: String) { lock.lock(); names.insert(name); lock.unlock() }
    func contains(_ name: String) -> Bool { lock.lock(); defer { lock.unlock() }; return names.contains(name) }
}

struct StreamContext {
    let shared: StreamShared
    let failedTargets: StreamFailures
    let quarantine: ([RecordFailure]) -> Void
    let saver: KeySaver
    let graveyard: Graveyard
}

/// Records the targets are done with, handed back to be let go by a source's thread, the one
/// that made them: glibc's allocator frees a block made by another thread under a lock that
/// thread takes for its own allocations, and the two threads then wait on each other.
final class Graveyard: @unchecked Sendable {
    private let lock = NSLock()
    private var held: [AnyObject] = []

    /// Takes what `box` holds (a job's records) to be let go by a source's thread.
    func bury(_ box: AnyObject) {
        lock.lock()
        held.append(box)
        lock.unlock()
    }

    /// Lets go of what was handed back (on the calling thread).
    func clear() {
        lock.lock()
        let gone = held
        held = []
        lock.unlock()
        withExtendedLifetime(gone) {}
    }
}

/// Saves the keys each chunk of a streamed run wrote, on a serial queue of its own (a few
/// chunks behind the targets); a target whose keys could not be saved is not committed.
final class KeySaver: @unchecked Sendable {
    private let worker = TargetWorker(name: "state")
    private let save: (_ target: String, _ keys: [String], _ hashes: ContentHashes) throws -> Void
    private let lock = NSLock()
    private var failures: [String: String] = [:]

    init(save: @escaping (_ target: String, _ keys: [String], _ hashes: ContentHashes) throws -> Void) {
        self.save = save
    }

    /// Saves each key with the content hash of its record, in order (a key met twice keeps its
    /// later hash). The hashes are taken here too, unless the target `given` them from what it
    /// wrote: the source's thread reads and maps, the target's writes, this one hashes and
    /// remembers. `shapes` is the target's, used on this thread only.
    func submit(_ target: String, keys: [String], records: [JSONValue], hashes given: ContentHashes?, shapes: JSONWriter.Shapes, graveyard: Graveyard) {
        let job = UncheckedSendable((self, target, keys, records, given, shapes, graveyard))
        worker.submit {
            let (saver, target, keys, records, given, shapes, graveyard) = job.value
            do {
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1_024)
                let hashes = given ?? ContentHashes(records.map { PipelineRunner.hash($0, shapes: shapes, buffer: &buffer) })
                // the job (with its records) outlives this closure in the graveyard
                graveyard.bury(job)
                try saver.save(target, keys, hashes)
            } catch {
                saver.lock.lock()
                if saver.failures[target] == nil { saver.failures[target] = "\(error)" }
                saver.lock.unlock()
            }
        }
    }

    /// Waits until every key handed over is saved (or failed).
    func drain() { worker.drain() }

    /// Why saving a target's keys failed, if it did.
    func failure(_ target: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return failures[target]
    }
}

/// A step or a target of a streamed run. A step passes each chunk on as soon as it is done
/// with it; a grouping step holds its open groups until they close (sorted input) or the
/// source ends.
final class StreamNode {
    let name: String
    let step: CompiledStep?
    /// The step's expressions prepared for this node's thread (a source's branch runs on one).
    let evaluations: StepEvaluations?
    /// A second set, for a grouping step: the half of each chunk's groups mapped on another thread.
    let helper: StepEvaluations?
    let joinIndex: [JSONValue: [JSONValue]]
    let session: (any TargetSession)?
    let key: ((JSONValue) -> String)?
    var consumers: [StreamNode] = []
    private var groups: GroupBuffer?
    /// The member a group's record holds its members in, and the layouts of those records (on the source's thread).
    private let into: String
    private let layouts = MergedLayouts()
    private var seen = Set<JSONValue>()
    private(set) var failure: String?
    /// What the JSON writer remembers of the shapes of record a target's hashes see (on the key saver's thread).
    private let shapes = JSONWriter.Shapes()

    init(step: CompiledStep, evaluations: StepEvaluations, helper: StepEvaluations?, joinIndex: [JSONValue: [JSONValue]]) {
        name = step.spec.name
        self.step = step
        self.evaluations = evaluations
        self.helper = helper
        into = step.spec.group?.into ?? "items"
        self.joinIndex = joinIndex
        worker = nil
        session = nil
        key = nil
        if let g = step.spec.group, !step.groupBy.isEmpty {
            groups = GroupBuffer(sorted: g.sorted, spillAfter: PipelineRunner.groupSpillAfter, step: step.spec.name)
        }
    }

    init(target: String, session: any TargetSession, key: @escaping (JSONValue) -> String) {
        name = target
        step = nil
        evaluations = nil
        helper = nil
        into = ""
        joinIndex = [:]
        self.session = session
        self.key = key
        worker = TargetWorker(name: target)
    }

    /// Targets write on a thread of their own, a few chunks behind the steps: the source's
    /// thread reads and maps while the target serialises, hashes and remembers.
    private let worker: TargetWorker?

    /// Waits until the target has written every chunk handed to it.
    func drain() { worker?.drain() }

    func push(_ input: CompiledStep.Batch, _ c: StreamContext) throws {
        // (on a source's thread: what the targets are done with is let go here)
        c.graveyard.clear()
        if session != nil {
            guard !c.failedTargets.contains(name) else { return }
            let job = UncheckedSendable((self, input, c))
            worker?.submit { job.value.0.write(job.value.1, job.value.2) }
            return
        }
        try step(input, c)
    }

    private func write(_ input: CompiledStep.Batch, _ c: StreamContext) {
        if let session, let key {
            guard !c.failedTargets.contains(name) else { return }
            do {
                let keys = input.records.map(key)
                let report = try session.write(keys: keys, records: input.records)
                c.saver.submit(name, keys: keys, records: input.records, hashes: session.takeContentHashes(), shapes: shapes, graveyard: c.graveyard)
                if PipelineRunner.killAfterBatch == name {
                    c.saver.drain()
                    kill(getpid(), SIGKILL)
                }
                c.shared.sync {
                    c.shared.counts[name, default: NodeCounts()].read += input.records.count
                    c.shared.counts[name, default: NodeCounts()].created += report.created
                    c.shared.counts[name, default: NodeCounts()].updated += report.updated
                    c.shared.counts[name, default: NodeCounts()].unchanged += report.unchanged
                }
            } catch {
                failure = "\(error)"
                c.failedTargets.insert(name)
            }
        }
    }

    private func step(_ input: CompiledStep.Batch, _ c: StreamContext) throws {
        guard let step, let evaluations else { return }
        var failures: [RecordFailure] = []
        var batch = step.beforeGroup(input, evaluations, joinIndex: joinIndex, failures: &failures)
        var closed = CompiledStep.Batch()
        if let groups {
            for r in batch.records {
                let k: JSONValue
                do throws(RecordFailure) { k = try step.groupKey(r, evaluations) } catch {
                    failures.append(error)
                    continue
                }
                try groups.add(key: k, record: r) { key, members in
                    let (record, origin) = CompiledStep.merged(members, key: key, into: into, hashes: nil, layouts: layouts)
                    closed.append(record, origin)
                }
            }
            batch = closed
        }
        try pass(batch, failures: failures, read: input.records.count, c)
    }

    /// The parts after `group` and `dedupe` (keep first), then the consumers.
    private func pass(_ grouped: CompiledStep.Batch, failures: [RecordFailure], read: Int, _ c: StreamContext) throws {
        guard let step, let evaluations else { return }
        var failures = failures
        var batch = mapped(grouped, step, evaluations, failures: &failures)
        if step.spec.dedupe != nil, let by = step.dedupeBy {
            var kept = CompiledStep.Batch()
            for (r, o) in zip(batch.records, batch.origins) {
                do throws(RecordFailure) {
                    let k = CompiledStep.normalisedKey(try step.evaluate(by, r, evaluations) ?? .null)
                    if seen.insert(k).inserted { kept.append(r, o) }
                } catch { failures.append(error) }
            }
            batch = kept
        }
        c.quarantine(failures)
        c.shared.sync {
            c.shared.counts[name, default: NodeCounts()].read += read
            c.shared.counts[name, default: NodeCounts()].output += batch.records.count
            c.shared.counts[name, default: NodeCounts()].failed += failures.count
        }
        guard !batch.isEmpty else { return }
        for consumer in consumers { try consumer.push(batch, c) }
    }

    /// The map and set of a chunk (``CompiledStep/afterGroup(_:_:failures:)``). A grouping
    /// step's records each take a whole group to make, which would leave the targets' core
    /// waiting: its chunk is mapped in two halves at once, this thread and another, each with
    /// its own evaluations, and the halves are joined back in order, failures too.
    private func mapped(_ grouped: CompiledStep.Batch, _ step: CompiledStep, _ evaluations: StepEvaluations,
                        failures: inout [RecordFailure]) -> CompiledStep.Batch {
        guard let helper, grouped.records.count >= 64 else { return step.afterGroup(grouped, evaluations, failures: &failures) }
        let mid = grouped.records.count / 2
        let halves = [0..<mid, mid..<grouped.records.count].map {
            CompiledStep.Batch(records: Array(grouped.records[$0]), origins: Array(grouped.origins[$0]))
        }
        let results = Halves()
        let work = UncheckedSendable((step, [evaluations, helper], halves, results))
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let (step, evaluations, halves, results) = work.value
            var f: [RecordFailure] = []
            let b = step.afterGroup(halves[i], evaluations[i], failures: &f)
            results.set(i, b, f)
        }
        var batch = results.batches[0]
        batch.records += results.batches[1].records
        batch.origins += results.batches[1].origins
        failures += results.failures[0] + results.failures[1]
        return batch
    }

    /// What the two halves of a chunk gave, each set by its own thread.
    private final class Halves: @unchecked Sendable {
        private(set) var batches = [CompiledStep.Batch(), CompiledStep.Batch()]
        private(set) var failures: [[RecordFailure]] = [[], []]
        private let lock = NSLock()
        func set(_ i: Int, _ batch: CompiledStep.Batch, _ f: [RecordFailure]) {
            lock.lock()
            defer { lock.unlock() }
            batches[i] = batch
            failures[i] = f
        }
    }

    /// The source ended: open groups go on, then the consumers finish.
    func finish(_ c: StreamContext) throws {
        guard let step else { return }
        if let groups {
            var out = CompiledStep.Batch()
            try groups.finish { key, members in
                let (record, origin) = CompiledStep.merged(members, key: key, into: into, hashes: nil, layouts: layouts)
                out.append(record, origin)
                if out.records.count >= PipelineRunner.chunkSize {
                    try pass(out, failures: [], read: 0, c)
                    out = CompiledStep.Batch()
                }
            }
            try pass(out, failures: [], read: 0, c)
        }
        for consumer in consumers { try consumer.finish(c) }
    }
}

/// A serial queue that takes at most a few jobs ahead: the thread submitting waits when the
/// target falls behind, so memory stays bounded.
final class TargetWorker: @unchecked Sendable {
    private let queue: DispatchQueue
    private let room = DispatchSemaphore(value: 4)

    init(name: String) {
        queue = DispatchQueue(label: "xeroflow.target.\(name)")
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        room.wait()
        queue.async { [room] in
            job()
            room.signal()
        }
    }

    func drain() { queue.sync {} }
}
