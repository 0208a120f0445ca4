import ExpressionFormatting
import Foundation
import JSONModel

extension Functions {
    /// The higher-order functions.
    static let higherOrderFunctions: [Builtin] = [
        Builtin("map", "<af>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            result.reserveCapacity(a.count)
            for i in 0..<a.count {
                let r = try site.ev.callFunction(f, Functions.hofArgs(f, a.element(i), .int(i), a), site)
                if let r { result.append(r) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("filter", "<af>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            for i in 0..<a.count {
                let e = a.element(i)
                let r = try site.ev.callFunction(f, Functions.hofArgs(f, e, .int(i), a), site)
                if Evaluator.boolean(r) == true { result.append(e) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("single", "<af?>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            let f = fnArg(args, 1)
            var found: Value? = nil
            var hasFound = false
            for i in 0..<a.count {
                let e = a.element(i)
                var positive = true
                if let f {
                    let r = try site.ev.callFunction(f, Functions.hofArgs(f, e, .int(i), a), site)
                    positive = Evaluator.boolean(r) == true
                }
                if positive {
                    if hasFound { throw ExpressionError.make("D3138", index: i) }
                    found = e
                    hasFound = true
                }
            }
            if !hasFound { throw ExpressionError.make("D3139") }
            return found
        },
        Builtin("reduce", "<afj?:j>", arity: 3) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            let arity = f.arity
            if arity < 2 { throw ExpressionError.make("D3050", index: 1) }
            var index = 0
            var result: Value?
            if args.count < 3 || arg(args, 2) == nil, a.count > 0 {
                result = a.element(0)
                index = 1
            } else {
                result = arg(args, 2)
            }
            while index < a.count {
                var callArgs: [Value?] = [result, a.element(index)]
                if arity >= 3 { callArgs.append(.int(index)) }
                if arity >= 4 { callArgs.append(a) }
                result = try site.ev.callFunction(f, callArgs, site)
                index += 1
            }
            return result
        },
        Builtin("sift", "<o-f?:o>", arity: 2) { args, site throws(ExpressionError) in
            guard let o = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            let result = JObject()
            var failure: ExpressionError? = nil
            o.forEachMember { (k: String, v: Value) in
                if failure != nil { return }
                do throws(ExpressionError) {
                    let r = try site.ev.callFunction(f, Functions.hofArgs(f, v, .string(k), o), site)
                    if Evaluator.boolean(r) == true { result.appendNew(k, v) }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return result.count == 0 ? nil : .object(result)
        },
        Builtin("each", "<o-f:a>", arity: 2) { args, site throws(ExpressionError) in
            guard let o = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            var failure: ExpressionError? = nil
            o.forEachMember { (k: String, v: Value) in
                if failure != nil { return }
                do throws(ExpressionError) {
                    if let r = try site.ev.callFunction(f, Functions.hofArgs(f, v, .string(k), o), site) {
                        result.append(r)
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return .array(JArray(result, sequence: true))
        },
        Builtin("zip", "<a+>", arity: 0) { args, _ throws(ExpressionError) in
            var length = Int.max
            for a in args {
                if let a, a.isArray { length = min(length, a.count) } else { length = 0 }
            }
            if args.isEmpty { length = 0 }
            var result: [Value] = []
            if length > 0 && length != Int.max {
                for i in 0..<length {
                    result.append(.array(JArray(args.map { $0!.element(i) })))
                }
            }
            return .array(JArray(result))
        },
        Builtin("sort", "<af?:a>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            let items = a.elements
            if let f = fnArg(args, 1) {
                let call = site.ev.binaryCaller(f, site)
                let sorted = try Functions.mergeSort(items) { (x: Value, y: Value) throws(ExpressionError) -> Bool in
                    Functions.jsTruthy(try call(x, y))
                }
                return .array(JArray(sorted))
            }
            if Evaluator.isArrayOfNumbers(a) {
                let ieee = site.ev.ieee
                let sorted = try Functions.mergeSort(items) { (x: Value, y: Value) throws(ExpressionError) -> Bool in
                    Num.compare(x.num!, y.num!, ieee: ieee) > 0
                }
                return .array(JArray(sorted))
            }
            if Evaluator.isArrayOfStrings(a) {
                let strings = items.map { $0.str! }
                let order = try strings.withUnsafeBufferPointer { (s) throws(ExpressionError) -> [Int] in
                    try Functions.mergeSortIndices(s.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
                        Evaluator.compareStrings(s[i], s[j]) > 0
                    }
                }
                return .array(JArray(order.map { items[$0] }))
            }
            throw ExpressionError.make("D3070", index: 1)
        },

    ]

    /// The arrays and objects functions.
    static let arraysAndObjectsFunctions: [Builtin] = [
        Builtin("keys", "<x-:a<s>>", arity: 1) { args, _ throws(ExpressionError) in
            var result: [Value] = []
            guard let v = arg(args, 0) else { return .array(JArray(result, sequence: true)) }
            if v.isArray {
                var seen = Set<String>()
                for i in 0..<v.count {
                    for k in v.element(i).objectKeys where !seen.contains(k) {
                        seen.insert(k)
                        result.append(.string(k))
                    }
                }
            } else {
                for k in v.objectKeys { result.append(.string(k)) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("lookup", "<x-s:x>", arity: 2) { args, _ throws(ExpressionError) in
            guard let key = strArg(args, 1) else { return nil }
            return Evaluator.lookup(arg(args, 0), key)
        },
        Builtin("append", "<xx:a>", arity: 2) { args, _ throws(ExpressionError) in
            Functions.append(arg(args, 0), arg(args, 1))
        },
        Builtin("spread", "<x-:a<o>>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return .array(JArray.sequence()) }
            return spread(v)
        },
        Builtin("merge", "<a<o>:o>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            var total = 0
            for i in 0..<a.count { total += a.element(i).objectCount }
            let result = JObject(capacity: total)
            for i in 0..<a.count {
                if result.count == 0 {
                    // the first object's names are distinct: appended without a search
                    a.element(i).forEachMember { (k: String, v: Value) in result.appendNew(k, v) }
                } else {
                    a.element(i).forEachMember { (k: String, v: Value) in result[k] = v }
                }
            }
            return .object(result)
        },
        Builtin("reverse", "<a:a>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            return .array(JArray(a.elements.reversed()))
        },
        Builtin("shuffle", "<a:a>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            return .array(JArray(a.elements.shuffled()))
        },
        Builtin("distinct", "<x:x>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if !a.isArray || a.count <= 1 { return a }
            var results: [Value] = []
            var seenStrings = Set<String>()
            for i in 0..<a.count {
                let v = a.element(i)
                if case .string(let s) = v {
                    if seenStrings.insert(s).inserted { results.append(v) }
                    continue
                }
                var seen = false
                for r in results where try Evaluator.deepEqual(r, v, ieee: site.ev.ieee) {
                    seen = true
                    break
                }
                if !seen { results.append(v) }
            }
            return .array(JArray(results, sequence: a.isSequence))
        },
        Builtin("error", "<s?:x>", arity: 1) { args, _ throws(ExpressionError) in
            throw ExpressionError.make("D3137", message: strArg(args, 0) ?? "$error() function evaluated")
        },
        Builtin("assert", "<bs?:x>", arity: 2) { args, _ throws(ExpressionError) in
            if case .bool(true)? = arg(args, 0) { return nil }
            throw ExpressionError.make("D3141", message: strArg(args, 1) ?? "$assert() statement failed")
        },
        Builtin("type", "<x:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            switch v {
            case .null: return .string("null")
            case .number: return .string("number")
            case .string: return .string("string")
            case .bool: return .string("boolean")
            case .array, .jarray, .tuples: return .string("array")
            case .function: return .string("function")
            case .object, .jobject: return .string("object")
            }
        },
        Builtin("clone", "<(oa)-:o>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            return try Functions.deepClone(v)
        },

    ]
}
