/// A directed graph of named nodes where an edge `a → b` means "a needs b first".
///
/// Used by `validate` to reject cycles with the whole chain in the message, and by the engine
/// to order work and find what can run concurrently.
public struct DependencyGraph: Sendable {
    public private(set) var nodes: [String] = []
    private var index: [String: Int] = [:]
    /// `dependencies[i]` are the nodes node i waits for, in insertion order, without repeats.
    private var dependencies: [[Int]] = []

    public init() {}

    public mutating func add(_ node: String) {
        guard index[node] == nil else { return }
        index[node] = nodes.count
        nodes.append(node)
        dependencies.append([])
    }

    /// Records that `node` depends on `dependency` (both are added when new).
    public mutating func add(_ node: String, dependsOn dependency: String) {
        add(node)
        add(dependency)
        let a = index[node]!, b = index[dependency]!
        if !dependencies[a].contains(b) { dependencies[a].append(b) }
    }

    public func dependencies(of node: String) -> [String] {
        guard let i = index[node] else { return [] }
        return dependencies[i].map { nodes[$0] }
    }

    /// Every elementary cycle found, one per strongly connected component, each starting at the
    /// component's first node in insertion order and closed by repeating it:
    /// `["a", "b", "c", "a"]` reads "a needs b, b needs c, c needs a".
    public func cycles() -> [[String]] {
        var result: [[String]] = []
        for component in stronglyConnectedComponents() {
            let members = Set(component)
            if component.count == 1 {
                let n = component[0]
                if dependencies[n].contains(n) { result.append([nodes[n], nodes[n]]) }
                continue
            }
            // Walk from the earliest node, inside the component, until we come back to it.
            let start = component.min()!
            if let path = findPath(from: start, to: start, within: members) {
                result.append(path.map { nodes[$0] })
            }
        }
        return result.sorted { index[$0[0]]! < index[$1[0]]! }
    }

    /// Nodes in an order where every node comes after what it depends on; nil when cyclic.
    public func topologicalOrder() -> [String]? {
        levels().map { $0.flatMap { $0 } }
    }

    /// Groups of nodes that can run together: each level depends only on earlier levels.
    public func levels() -> [[String]]? {
        let remaining = dependencies.map { Set($0) }
        var done = Set<Int>()
        var out: [[String]] = []
        while done.count < nodes.count {
            let ready = (0..<nodes.count).filter { !done.contains($0) && remaining[$0].isSubset(of: done) }
            if ready.isEmpty { return nil }
            out.append(ready.map { nodes[$0] })
            done.formUnion(ready)
        }
        return out
    }

    private func findPath(from start: Int, to goal: Int, within members: Set<Int>) -> [Int]? {
        // Iterative DFS keeping the path; the component guarantees a path exists.
        var path = [start]
        var iterators = [0]
        var onPath: Set<Int> = [start]
        while let top = path.last {
            let deps = dependencies[top]
            var i = iterators[iterators.count - 1]
            var advanced = false
            while i < deps.count {
                let next = deps[i]
                i += 1
                if next == goal {
                    return path + [goal]
                }
                if members.contains(next) && !onPath.contains(next) {
                    iterators[iterators.count - 1] = i
                    path.append(next)
                    iterators.append(0)
                    onPath.insert(next)
                    advanced = true
                    break
                }
            }
            if !advanced {
                path.removeLast()
                iterators.removeLast()
                // A dead end stays marked so it is not explored again.
            }
        }
        return nil
    }

    /// Tarjan's algorithm, iterative.
    private func stronglyConnectedComponents() -> [[Int]] {
        let n = nodes.count
        var indexOf = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        var counter = 0
        var components: [[Int]] = []

        for root in 0..<n where indexOf[root] == -1 {
            var work: [(node: Int, next: Int)] = [(root, 0)]
            indexOf[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while !work.isEmpty {
                let (v, i) = work[work.count - 1]
                let deps = dependencies[v]
                if i < deps.count {
                    work[work.count - 1].next = i + 1
                    let w = deps[i]
                    if indexOf[w] == -1 {
                        indexOf[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], indexOf[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.node { low[parent] = min(low[parent], low[v]) }
                    if low[v] == indexOf[v] {
                        var component: [Int] = []
                        while true {
                            let w = stack.removeLast()
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        components.append(component.sorted())
                    }
                }
            }
        }
        return components
    }
}
