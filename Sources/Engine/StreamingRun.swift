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

    /// The percentage of a grouping step's chunk its source's thread maps itself (the helper maps
    /// the rest).
    static let evenShare = 50
    /// The same while spilled groups are merged, when this thread also reads the run files back
    /// and the helper's core also writes the target and saves its keys. (Measured on the
    /// million-row unsorted merge: 60 % beat 40, 50 and 70.)
    static let finishShare = 60
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
                // A grouping step maps the second half of each chunk's groups on a queue of its own (see `StreamNode.pass`).
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
                for head in heads { head.settle(context) }
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
