import Foundation
import JSONModel

extension Evaluator {
    // MARK: - Operators

    func evalBinary(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        let lhs = try eval(node.lhs!, input, frame)
        switch node.binop {
        case .and:
            if !(Evaluator.boolean(lhs) ?? false) { return .bool(false) }
            let rhs = try eval(node.rhs!, input, frame)
            return .bool(Evaluator.boolean(rhs) ?? false)
        case .or:
            if Evaluator.boolean(lhs) ?? false { return .bool(true) }
            let rhs = try eval(node.rhs!, input, frame)
            return .bool(Evaluator.boolean(rhs) ?? false)
        default:
            break
        }
        let rhs = try eval(node.rhs!, input, frame)
        do throws(ExpressionError) {
            switch node.binop {
            case .add, .sub, .mul, .div, .mod:
                return try Evaluator.arithmetic(node.binop, lhs, rhs, ieee: ieee)
            case .eq:
                guard let lhs, let rhs else { return .bool(false) }
                return .bool(try Evaluator.deepEqual(lhs, rhs, ieee: ieee))
            case .ne:
                guard let lhs, let rhs else { return .bool(false) }
                return .bool(!(try Evaluator.deepEqual(lhs, rhs, ieee: ieee)))
            case .lt, .le, .gt, .ge:
                return try Evaluator.compare(node.binop, lhs, rhs, ieee: ieee)
            case .concat:
                let ieee = self.ieee
                let l = try lhs.map { v throws(ExpressionError) in try Functions.string(v, ieee: ieee) } ?? ""
                let r = try rhs.map { v throws(ExpressionError) in try Functions.string(v, ieee: ieee) } ?? ""
                return .string(l + r)
            case .range:
                return try Evaluator.range(lhs, rhs, ieee: ieee)
            case .inOp:
                guard let lhs, let rhs else { return .bool(false) }
                if rhs.isArray {
                    for i in 0..<rhs.count where Evaluator.strictEqual(rhs.element(i), lhs, ieee: ieee) { return .bool(true) }
                    return .bool(false)
                }
                return .bool(Evaluator.strictEqual(rhs, lhs, ieee: ieee))
            default:
                return nil
            }
        } catch {
            throw error.located(node.position, token: node.value)
        }
    }

    static func arithmetic(_ op: BinaryOp, _ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        var l: Num? = nil
        var r: Num? = nil
        if let lhs {
            guard case .number(let n) = lhs else { throw ExpressionError.make("T2001", value: lhs) }
            if !n.d.isFinite { throw ExpressionError.make("D1001", value: lhs) }
            l = n
        }
        if let rhs {
            guard case .number(let n) = rhs else { throw ExpressionError.make("T2002", value: rhs) }
            if !n.d.isFinite { throw ExpressionError.make("D1001", value: rhs) }
            r = n
        }
        guard let a = l, let b = r else { return nil }
        let result: Num
        if ieee {
            switch op {
            case .add: result = Num(double: a.d + b.d)
            case .sub: result = Num(double: a.d - b.d)
            case .mul: result = Num(double: a.d * b.d)
            case .div: result = Num(double: a.d / b.d)
            default: result = Num(double: a.d.truncatingRemainder(dividingBy: b.d))
            }
            return .number(result)
        }
        switch op {
        case .add: result = a + b
        case .sub: result = a - b
        case .mul: result = a * b
        case .div: result = Num(double: a.d / b.d)
        default:
            result = Num(double: a.d.truncatingRemainder(dividingBy: b.d))
        }
        return .number(result)
    }

    static func compare(_ op: BinaryOp, _ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        func comparable(_ v: Value?) -> Bool {
            switch v {
            case nil, .string?, .number?: return true
            default: return false
            }
        }
        if !comparable(lhs) || !comparable(rhs) {
            let bad = comparable(lhs) ? rhs : lhs
            throw ExpressionError.make("T2010", value: bad)
        }
        guard let lhs, let rhs else { return nil }
        let c: Int
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            c = Num.compare(a, b, ieee: ieee)
        case (.string(let a), .string(let b)):
            c = Evaluator.compareStrings(a, b)
        default:
            throw ExpressionError.make("T2009", value: lhs, value2: rhs)
        }
        switch op {
        case .lt: return .bool(c < 0)
        case .le: return .bool(c <= 0)
        case .gt: return .bool(c > 0)
        default: return .bool(c >= 0)
        }
    }

    /// Compares strings by UTF-16 code units, as JavaScript does.
    ///
    /// Compares UTF-8 bytes first: up to the first differing byte both strings hold the same
    /// characters, and when both differing bytes are ASCII that byte decides in UTF-16 too (as
    /// does one string ending first). Only a difference inside non-ASCII characters needs UTF-16
    /// (UTF-8 orders supplementary characters after U+E000–U+FFFF, UTF-16 before).
    static func compareStrings(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        let byBytes = a.withUTF8 { x in
            b.withUTF8 { y -> Int? in
                let n = Swift.min(x.count, y.count)
                var i = 0
                while i < n && x[i] == y[i] { i += 1 }
                if i == n { return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1) }
                if x[i] < 0x80 && y[i] < 0x80 { return x[i] < y[i] ? -1 : 1 }
                return nil
            }
        }
        if let byBytes { return byBytes }
        var ia = a.utf16.makeIterator()
        var ib = b.utf16.makeIterator()
        while true {
            let ca = ia.next()
            let cb = ib.next()
            switch (ca, cb) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?):
                if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func range(_ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        var lo: Int? = nil
        var hi: Int? = nil
        if let lhs {
            guard case .number(let n) = lhs, n.isInteger(ieee: ieee), n.d.magnitude < 9e15 else { throw ExpressionError.make("T2003", value: lhs) }
            lo = Int(n.d)
        }
        if let rhs {
            guard case .number(let n) = rhs, n.isInteger(ieee: ieee), n.d.magnitude < 9e15 else { throw ExpressionError.make("T2004", value: rhs) }
            hi = Int(n.d)
        }
        guard let lo, let hi else { return nil }
        if lo > hi { return nil }
        let size = hi - lo + 1
        if size > 10_000_000 {
            throw ExpressionError.make("D2014", value: .int(size))
        }
        var items: [Value] = []
        items.reserveCapacity(size)
        for i in lo...hi { items.append(.number(Num(int: i))) }
        return .array(JArray.sequence(items))
    }

    // MARK: - Unary, constructors

    /// `{"k": v, …}` with distinct literal keys, on one input value: the members in order,
    /// those whose value is undefined left out.
    ///
    /// In exact mode the object is built in the JSON model while every value has its final JSON
    /// form (see ``plainJSON(_:)``): the result then needs no conversion when the evaluation
    /// returns, and reads from it work as on input objects. The first other value (a function,
    /// a double, a flagged array) switches to an evaluator object. IEEE mode always builds
    /// evaluator objects: its output conversion rewrites numbers.
    ///
    /// With `spread`, every member is evaluated over those items instead of `input`, each on an
    /// array of its own (an evaluation may set flags on the array it is given). `known`: the
    /// constructor's ``directForms(_:_:)`` when the caller worked them out for many objects.
    func constructObject(
        _ node: Node, _ keys: [String], _ input: Value?, _ frame: Frame, spread: [Value]? = nil, known: [DirectForm?]?? = nil
    ) throws(ExpressionError) -> Value {
        @inline(__always) func value(_ i: Int) throws(ExpressionError) -> Value? {
            if let spread { return try eval(node.pairs[i].1, .array(JArray(spread)), frame) }
            return try eval(node.pairs[i].1, input, frame)
        }
        var present: [String]? = nil  // the keys of defined members, once one is undefined
        var values: [Value] = []
        var i = 0
        if !ieee {
            var json: [JSONValue] = []
            json.reserveCapacity(keys.count)
            // `lines.{"Quantity": $number(qty), …}`: values of the usual shapes straight from the input object
            var object: JSONObject?
            var forms: [DirectForm?]?
            if spread == nil, case .jobject(let o)? = input, let f = known ?? directForms(node, frame) {
                object = o
                forms = f
            }
            while i < keys.count {
                // A value of a direct form, or a plain name path on an input object (its JSON
                // copied as it is): `.some(nil)` when it is nothing.
                var quick: JSONValue??
                if let forms, let form = forms[i], let o = object {
                    quick = form.run(o, self)
                }
                if quick == nil, spread == nil, case let vn = node.pairs[i].1, let names = vn.simpleNames {
                    quick = directJSON(vn, names, input, frame)
                }
                if let result = quick {
                    if let j = result {
                        json.append(j)
                        present?.append(keys[i])
                    } else if present == nil {
                        present = Array(keys[..<i])
                    }
                    i += 1
                    continue
                }
                // `[lines.{…}]` over an input object's array of objects: built as JSON directly
                if spread == nil, let map = node.pairs[i].1.objectMap, case .jobject(let o)? = input,
                    let mapped = try mapObjects(map.name, map.constructor, o, frame)
                {
                    json.append(mapped)
                    present?.append(keys[i])
                    i += 1
                    continue
                }
                let v = try value(i)
                if let v {
                    guard let j = Evaluator.plainJSON(v) else {
                        values.reserveCapacity(keys.count)
                        for j in json { values.append(Value(j)) }
                        values.append(v)
                        present?.append(keys[i])
                        i += 1
                        break
                    }
                    json.append(j)
                    present?.append(keys[i])
                } else if present == nil {
                    present = Array(keys[..<i])
                }
                i += 1
            }
            if values.isEmpty { return .jobject(JSONObject(uniqueKeys: present ?? keys, values: json)) }
        } else {
            values.reserveCapacity(keys.count)
        }
        while i < keys.count {
            if let v = try value(i) {
                values.append(v)
                present?.append(keys[i])
            } else if present == nil {
                present = Array(keys[..<i])
            }
            i += 1
        }
        return .object(JObject(uniqueKeys: present ?? keys, values: values))
    }

    /// `[lines.{"A": a, …}]` on input object `o` whose `lines` is a non-empty array of objects:
    /// each object constructed as the path's step would construct it, collected as a JSON array.
    /// Nil when the general evaluation is needed (the member is missing, empty or not an array,
    /// an item is not an object, a constructed object is not plain JSON); the constructors are
    /// pure, so evaluating again from the start gives the same result or error.
    func mapObjects(_ name: Node, _ constructor: Node, _ o: JSONObject, _ frame: Frame) throws(ExpressionError) -> JSONValue? {
        guard case .array(let items)? = memberJSON(o, name.value, hintSlot: name.hintSlot), !items.isEmpty,
            let keys = constructor.literalKeys
        else { return nil }
        var out: [JSONValue] = []
        out.reserveCapacity(items.count)
        let forms = directForms(constructor, frame)  // the same for every item
        for item in items {
            guard case .object(let line) = item else { return nil }
            try enter(constructor)
            defer { counters.pointee.depth -= 1 }
            guard case .jobject(let built) = try constructObject(constructor, keys, .jobject(line), frame, known: .some(forms)) else { return nil }
            out.append(.object(built))
        }
        return .array(out)
    }

    /// The direct forms of a constructor's values (see ``DirectForm``), when none of the
    /// library functions they may call is bound to something else in `frame`. Worked out once
    /// per constructor; nil when no value has one.
    func directForms(_ constructor: Node, _ frame: Frame) -> [DirectForm?]? {
        let id = ObjectIdentifier(constructor)
        let forms: [DirectForm?]
        if let known = constructorForms[id] {
            forms = known.forms
        } else {
            // (a plain name is copied as it is by the constructor's own way)
            forms = constructor.pairs.map { $0.1.simpleNames != nil ? nil : DirectForm($0.1, functions: functions, isBound: { _ in false }) }
            if constructorForms.count >= 16 { constructorForms.removeAll() }
            constructorForms[id] = (constructor, forms)
        }
        guard forms.contains(where: { $0 != nil }) else { return nil }
        for sym in Evaluator.directFormFunctions where frame.lookup(sym) != nil { return nil }
        return forms
    }

    /// The library functions a ``DirectForm`` may call.
    private static let directFormFunctions = ["number", "string", "uppercase", "lowercase"].map { Symbols.intern($0) }

    /// A value's JSON form when it reads back as the same value: strings, exact numbers,
    /// booleans, null, parts of the input, objects built in the JSON model, and arrays without
    /// any of JSONata's flags holding such values (no nested evaluator arrays). Nil otherwise
    /// (functions, doubles, whose JSON form would turn them into exact numbers, sequences).
    @inline(__always)
    static func plainJSON(_ v: Value) -> JSONValue? {
        switch v {
        case .string(let s): return .string(s)
        case .number(let n):
            guard n.isExact, n.d.isFinite else { return nil }
            return .number(n.jsonNumber)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .jobject(let o): return .object(o)
        case .jarray(let a): return .array(a)
        case .array(let a):
            guard !a.isSequence, !a.cons, !a.keepSingleton, !a.outerWrapper else { return nil }
            var out: [JSONValue] = []
            out.reserveCapacity(a.items.count)
            for item in a.items {
                if case .array = item { return nil }
                guard let j = plainJSON(item) else { return nil }
                out.append(j)
            }
            return .array(out)
        case .object, .function, .tuples: return nil
        }
    }

    func evalUnary(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        switch node.firstByte {
        case UInt8(ascii: "-"):
            let v = try eval(node.expression!, input, frame)
            guard let v else { return nil }
            guard case .number(let n) = v else {
                throw ExpressionError.make("D1002", position: node.position, token: "-", value: v)
            }
            return .number(-n)
        case UInt8(ascii: "["):
            var items: [Value] = []
            for item in node.expressions {
                guard let value = try eval(item, input, frame) else { continue }
                if item.kind == .unary && item.firstByte == UInt8(ascii: "[") {
                    items.append(value)
                } else {
                    Evaluator.appendFlat(&items, value)
                }
            }
            let result = JArray(items)
            if node.consarray { result.cons = true }
            return .array(result)
        case UInt8(ascii: "{"):
            if let keys = node.literalKeys {
                switch input {
                case .tuples:
                    break
                case .array, .jarray:
                    // Grouping the items by key puts every item under every (literal) key: each
                    // value is evaluated once, over all the items (arrays give their elements).
                    let items = input!.elements
                    if items.count <= 1 { return try constructObject(node, keys, items.first, frame) }
                    var all: [Value] = []
                    all.reserveCapacity(items.count)
                    for item in items {
                        if item.isArray { all.append(contentsOf: item.elements) } else { all.append(item) }
                    }
                    return try constructObject(node, keys, nil, frame, spread: all)
                default:
                    return try constructObject(node, keys, input, frame)
                }
            }
            return try evalGroup(Group(pairs: node.pairs, position: node.position), input, frame)
        default:
            return nil
        }
    }

    func evalGroup(_ group: Group, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        let pairs = group.pairs
        var groups = GroupEntries()
        if case .tuples(let ts)? = input {
            let tuples = ts.tuples.isEmpty ? [Tuple(context: nil)] : ts.tuples
            for t in tuples {
                let env = frameFromTuple(frame, t)
                for (pairIndex, pair) in pairs.enumerated() {
                    let key = try eval(pair.0, t.context, env)
                    guard let key else { continue }
                    guard case .string(let k) = key else {
                        throw ExpressionError.make("T1003", position: group.position, value: key)
                    }
                    try groups.add(k, pairIndex, item: nil, tuple: t, position: group.position)
                }
            }
        } else {
            var items: [Value?]
            if let input, input.isArray {
                items = input.elements.map { Optional($0) }
            } else {
                items = [input]
            }
            if items.isEmpty { items = [nil] }
            for item in items {
                for (pairIndex, pair) in pairs.enumerated() {
                    let key = try eval(pair.0, item, frame)
                    guard let key else { continue }
                    guard case .string(let k) = key else {
                        throw ExpressionError.make("T1003", position: group.position, value: key)
                    }
                    try groups.add(k, pairIndex, item: item, tuple: nil, position: group.position)
                }
            }
        }
        let result = JObject(capacity: groups.keys.count)
        for (i, key) in groups.keys.enumerated() {
            let entry = groups.entries[i]
            let value: Value?
            if !entry.tuples.isEmpty {
                var merged = entry.tuples[0]
                if entry.tuples.count > 1 {
                    for t in entry.tuples.dropFirst() {
                        merged.context = Functions.append(merged.context, t.context)
                        for (s, v) in t.binds {
                            let existing = merged.get(s) ?? nil
                            merged.set(s, Functions.append(existing, v))
                        }
                    }
                }
                let env = frameFromTuple(frame, merged)
                value = try eval(pairs[entry.exprIndex].1, merged.context, env)
            } else {
                var context: Value? = entry.items[0]
                if entry.items.count > 1 {
                    // the same as appending the items one by one: arrays contribute their elements
                    var all: [Value] = []
                    all.reserveCapacity(entry.items.count)
                    for item in entry.items {
                        guard let item else { continue }
                        if item.isArray { all.append(contentsOf: item.elements) } else { all.append(item) }
                    }
                    context = .array(JArray(all))
                }
                value = try eval(pairs[entry.exprIndex].1, context, frame)
            }
            if let value {
                result[key] = value
            }
        }
        return .object(result)
    }
}

/// The groups of an object constructor's grouping (``Evaluator/evalGroup(_:_:_:)``), by key in
/// order of appearance.
private struct GroupEntries {
    var keys: [String] = []
    var index: [String: Int] = [:]
    var entries: [(items: [Value?], tuples: [Tuple], exprIndex: Int)] = []

    mutating func add(_ key: String, _ pairIndex: Int, item: Value?, tuple: Tuple?, position: Int) throws(ExpressionError) {
        if let i = index[key] {
            if entries[i].exprIndex != pairIndex {
                throw ExpressionError.make("D1009", position: position, value: .string(key))
            }
            if let tuple { entries[i].tuples.append(tuple) } else { entries[i].items.append(item) }
        } else {
            index[key] = keys.count
            keys.append(key)
            if let tuple {
                entries.append(([], [tuple], pairIndex))
            } else {
                entries.append(([item], [], pairIndex))
            }
        }
    }
}
