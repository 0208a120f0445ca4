import Foundation
import JSONModel

// The parts of a streamed run (see StreamingRun.swift): its nodes, what its branches share,
// and the threads its targets and key saver work on.

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
    /// For a grouping step that maps: a second set of evaluations and the queue that maps the
    /// second part of each chunk's groups with them (see `pass`).
    private let helper: (evaluations: StepEvaluations, queue: DispatchQueue)?
    /// A chunk mapped but for its second part, which the helper may still be mapping.
    private var held: (first: CompiledStep.Batch, failures: [RecordFailure], second: SecondPart, read: Int)?
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
        self.helper = helper.map { ($0, DispatchQueue(label: "xeroflow.step.\(step.spec.name)")) }
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

    /// The parts after `group` (map, set), then ``passMapped(_:failures:read:_:)``.
    ///
    /// A grouping step's records each take a whole group to make, which would leave the targets'
    /// core waiting while this thread maps: its chunk is mapped in two parts, this thread's
    /// first and the second on the helper's queue, and the chunk goes on only when the next one
    /// comes (or the source ends). The helper's part has this thread's reading and grouping of
    /// the next chunk to run alongside, instead of being waited for at once. `share`: the
    /// percentage of the chunk this thread maps itself.
    private func pass(_ grouped: CompiledStep.Batch, failures: [RecordFailure], read: Int, share: Int = PipelineRunner.evenShare, _ c: StreamContext) throws {
        guard let step, let evaluations else { return }
        var failures = failures
        guard let helper, grouped.records.count >= 64 else {
            try flush(c)
            let batch = step.afterGroup(grouped, evaluations, failures: &failures)
            return try passMapped(batch, failures: failures, read: read, c)
        }
        let mid = grouped.records.count * share / 100
        // (the part's groups are held by `second` until this thread takes them back: records
        // are let go by the thread that made them, see `Graveyard`)
        let second = SecondPart(grouped[mid..<grouped.records.count])
        let job = UncheckedSendable((step, helper.evaluations, second))
        helper.queue.async {
            let (step, helper, second) = job.value
            second.map(step, helper)
        }
        let first = step.afterGroup(grouped[0..<mid], evaluations, failures: &failures)
        try flush(c)
        held = (first, failures, second, read)
    }

    /// Passes on the chunk held for its second part, if one is.
    private func flush(_ c: StreamContext) throws {
        guard let (first, failures, second, read) = held else { return }
        held = nil
        let (rest, more) = second.take()
        var batch = first
        batch += rest
        try passMapped(batch, failures: failures + more, read: read, c)
    }

    /// `dedupe` (keep first) of a mapped chunk, then the consumers.
    private func passMapped(_ mapped: CompiledStep.Batch, failures: [RecordFailure], read: Int, _ c: StreamContext) throws {
        guard let step, let evaluations else { return }
        var failures = failures
        var batch = mapped
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
        account(failures, read: read, output: batch.records.count, c)
        guard !batch.isEmpty else { return }
        for consumer in consumers { try consumer.push(batch, c) }
    }

    /// The second part of a chunk: its groups, mapped once on the helper's queue, then taken
    /// back, groups and records, by the source's thread.
    private final class SecondPart: @unchecked Sendable {
        private var input: CompiledStep.Batch
        private var batch = CompiledStep.Batch()
        private var failures: [RecordFailure] = []
        private let done = DispatchSemaphore(value: 0)
        init(_ input: CompiledStep.Batch) { self.input = input }
        /// (on the helper's queue)
        func map(_ step: CompiledStep, _ evaluations: StepEvaluations) {
            batch = step.afterGroup(input, evaluations, failures: &failures)
            done.signal()
        }
        /// Waits for the map and hands over what it made; the groups it was made from are let
        /// go here, on the calling thread.
        func take() -> (CompiledStep.Batch, [RecordFailure]) {
            done.wait()
            defer { (input, batch, failures) = (CompiledStep.Batch(), CompiledStep.Batch(), []) }
            return (batch, failures)
        }
    }

    /// A chunk's failures set apart, and its counts.
    private func account(_ failures: [RecordFailure], read: Int, output: Int, _ c: StreamContext) {
        c.quarantine(failures)
        c.shared.sync {
            c.shared.counts[name, default: NodeCounts()].read += read
            c.shared.counts[name, default: NodeCounts()].output += output
            c.shared.counts[name, default: NodeCounts()].failed += failures.count
        }
    }

    /// The source failed: a chunk still held for its second part is not passed on (its targets
    /// fail with the source), but its failures are set apart and its counts kept, as for the
    /// chunks before it; the same below.
    func settle(_ c: StreamContext) {
        if let (first, failures, second, read) = held {
            held = nil
            let (rest, more) = second.take()
            account(failures + more, read: read, output: first.records.count + rest.records.count, c)
        }
        for consumer in consumers { consumer.settle(c) }
    }

    /// The source ended: open groups go on, then the consumers finish.
    func finish(_ c: StreamContext) throws {
        guard step != nil else { return }
        if let groups {
            // (while spilled groups are merged, this thread also reads the run files back)
            let share = groups.hasSpilled ? PipelineRunner.finishShare : PipelineRunner.evenShare
            var out = CompiledStep.Batch()
            try groups.finish { key, members in
                let (record, origin) = CompiledStep.merged(members, key: key, into: into, hashes: nil, layouts: layouts)
                out.append(record, origin)
                // (groups of many records: with a helper, a quarter of a chunk's records at a
                // time, since each is held a while for its second part)
                if out.records.count >= (helper == nil ? PipelineRunner.chunkSize : PipelineRunner.chunkSize / 4) {
                    try pass(out, failures: [], read: 0, share: share, c)
                    out = CompiledStep.Batch()
                }
            }
            try pass(out, failures: [], read: 0, share: share, c)
        }
        try flush(c)
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
