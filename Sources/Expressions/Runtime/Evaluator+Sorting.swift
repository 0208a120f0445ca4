import Foundation
import JSONModel

extension Evaluator {
    // MARK: - Sorting

    func sortKeys(_ node: Node, _ contexts: [(Value?, Frame)]) throws(ExpressionError) -> [Value?] {
        var keys: [Value?] = []
        keys.reserveCapacity(contexts.count * node.terms.count)
        for (c, f) in contexts {
            for term in node.terms {
                keys.append(try eval(term.expression, c, f))
            }
        }
        return keys
    }

    /// True when the item with keys at `a` must come after the one at `b`.
    func sortSwap(_ node: Node, _ keys: [Value?], _ a: Int, _ b: Int) throws(ExpressionError) -> Bool {
        var comp = 0
        var index = 0
        let n = node.terms.count
        while comp == 0 && index < n {
            defer { index += 1 }
            let aa = keys[a * n + index]
            let bb = keys[b * n + index]
            guard let aa else {
                comp = bb == nil ? 0 : 1
                continue
            }
            guard let bb else {
                comp = -1
                continue
            }
            switch (aa, bb) {
            case (.number(let x), .number(let y)):
                comp = Num.compare(x, y, ieee: ieee)
            case (.string(let x), .string(let y)):
                comp = Evaluator.compareStrings(x, y)
            default:
                let aOK = aa.isString || aa.isNumber
                let bOK = bb.isString || bb.isNumber
                if !aOK || !bOK {
                    throw ExpressionError.make("T2008", position: node.position, value: aOK ? bb : aa)
                }
                throw ExpressionError.make("T2007", position: node.position, value: aa, value2: bb)
            }
            if node.terms[index].descending { comp = -comp }
        }
        return comp == 1
    }

    func evalSortValues(_ node: Node, _ input: [Value], _ frame: Frame) throws(ExpressionError) -> Value {
        if input.count <= 1 { return .array(JArray.sequence(input)) }
        let keys = try sortKeys(node, input.map { ($0, frame) })
        if node.terms.count == 1, let order = Evaluator.sortSingleKey(keys, descending: node.terms[0].descending, ieee: ieee) {
            return .array(JArray.sequence(order.map { input[$0] }))
        }
        let order = try Functions.mergeSortIndices(input.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
            try sortSwap(node, keys, i, j)
        }
        return .array(JArray.sequence(order.map { input[$0] }))
    }

    /// Order-by on one term whose keys are all numbers or all strings (no undefined): the same
    /// stable order as the general comparison, without its per-comparison checks.
    static func sortSingleKey(_ keys: [Value?], descending: Bool, ieee: Bool) -> [Int]? {
        var nums: [Num] = []
        var strs: [String] = []
        nums.reserveCapacity(keys.count)
        for k in keys {
            switch k {
            case .number(let n)?:
                guard strs.isEmpty else { return nil }
                nums.append(n)
            case .string(let s)?:
                guard nums.isEmpty else { return nil }
                strs.append(s)
            default:
                return nil
            }
        }
        let order: [Int]
        if !nums.isEmpty {
            let allDouble = ieee || nums.allSatisfy { !$0.isExact }
            order = try! Functions.mergeSortIndices(keys.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
                let c = allDouble ? (nums[i].d < nums[j].d ? -1 : (nums[i].d > nums[j].d ? 1 : 0)) : Num.compare(nums[i], nums[j])
                return descending ? c < 0 : c > 0
            }
        } else {
            order = try! Functions.mergeSortIndices(keys.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
                let c = Evaluator.compareStrings(strs[i], strs[j])
                return descending ? c < 0 : c > 0
            }
        }
        return order
    }

    func evalSortTuples(_ node: Node, _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
        if input.count <= 1 { return input }
        let keys = try sortKeys(node, input.map { ($0.context, frameFromTuple(frame, $0)) })
        let order = try Functions.mergeSortIndices(input.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
            try sortSwap(node, keys, i, j)
        }
        return order.map { input[$0] }
    }

    // MARK: - Transforms

    func transform(_ t: TransformFunction, _ obj: Value?) throws(ExpressionError) -> Value? {
        guard let obj else { return nil }
        let node = t.node
        let result = try Functions.deepClone(obj)
        let matches = try eval(node.pattern!, result, t.frame)
        if let matches {
            let list: [Value] = matches.isArray ? matches.elements : [matches]
            for match in list {
                let update = try eval(node.update!, match, t.frame)
                if let update {
                    guard update.isObject else {
                        throw ExpressionError.make("T2011", position: node.update!.position, value: update)
                    }
                    if case .object(let target) = match {
                        update.forEachMember { (k: String, v: Value) in target[k] = v }
                    }
                }
                if let del = node.delete {
                    let deletions = try eval(del, match, t.frame)
                    if let deletions {
                        let names: [Value] = deletions.isArray ? deletions.elements : [deletions]
                        var strings: [String] = []
                        for n in names {
                            guard case .string(let s) = n else {
                                throw ExpressionError.make("T2012", position: del.position, value: deletions)
                            }
                            strings.append(s)
                        }
                        if case .object(let target) = match {
                            for s in strings { target[s] = nil }
                        }
                    }
                }
            }
        }
        return result
    }
}
