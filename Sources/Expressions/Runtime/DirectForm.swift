import JSONModel

/// The shapes a pipeline's field mappings are mostly made of, recognised once when an
/// expression is prepared and then evaluated on an input object straight from its JSON: no
/// frame, no `Value` for the input, no depth or clock bookkeeping. A mapping of nine fields
/// spends most of its time on that bookkeeping when each field is a name or a call on one.
///
/// - `customer`: a member;
/// - `$number(qty)`, `$uppercase(sku)`, `$lowercase(email)`: a library function on a member;
/// - `"INV-" & order_id & "/" & $string(line)`: text joined from string literals, members and
///   `$string` of members;
/// - `$number(qty) * $number(unit_price) - discount`: `+ - *` of members, `$number` of members
///   and exact number literals, in scaled integers (``Evaluator/exactTerm(_:_:)``).
///
/// ``run(_:_:)`` returns nil whenever the general evaluation is needed, and that evaluation
/// then runs from the start: a member that is missing where the shape cannot tell what the
/// function would do with nothing, a member that is an array (a path may flatten it), a number
/// `$number` would not read as a plain decimal, an overflow. Each result is the one the general
/// evaluation gives (ShortcutTests checks every shape against it). Exact mode only: in the
/// IEEE mode numbers leave as doubles, which only the general way converts.
final class DirectForm {
    /// (a class whose parts are constants: a run reads them where they are, where an enum's
    /// payload was copied out, with its reference counts, at every run)
    private enum Shape { case member, call, concat, exact }
    private let shape: Shape
    /// The member read (`member`, `call`).
    private let key: String
    private let slot: Int32
    /// The function called on it (`call`).
    private let function: ((Value) -> Value?)?
    private let parts: [ConcatPart]
    private let program: [ExactStep]

    enum ConcatPart {
        case text(String)
        /// A member as `&` turns it into text (nothing is "").
        case member(String, Int32)
        /// `$string(member)`: as `&` turns it into text, since `$string` of nothing is nothing.
        case string(String, Int32)
    }

    private init(_ shape: Shape, key: String = "", slot: Int32 = -1, function: ((Value) -> Value?)? = nil,
                 parts: [ConcatPart] = [], program: [ExactStep] = []) {
        self.shape = shape
        self.key = key
        self.slot = slot
        self.function = function
        self.parts = parts
        self.program = program
    }

    /// The direct form of `root`, if it has one. `isBound` tells whether a name is bound in the
    /// prepared expression's bindings (which would hide a library function of that name).
    convenience init?(_ root: Node, functions: FunctionTable, isBound: (Sym) -> Bool) {
        func libraryFunction(_ call: Node) -> Callable? {
            guard call.kind == .function, let p = call.procedure, p.kind == .variable, p.predicate == nil, p.group == nil,
                  !p.keepArray, p.stages == nil, !isBound(p.sym) else { return nil }
            return functions.lookup(p.sym)
        }
        /// The one argument of a one-argument call, when it is a plain name.
        func nameArgument(_ call: Node) -> Node? {
            guard call.arguments.count == 1, call.arguments[0].leaf == .name else { return nil }
            return call.arguments[0]
        }
        func plainCall(_ node: Node) -> Bool {
            node.predicate == nil && node.group == nil && node.stages == nil && !node.keepArray && node.focus == nil && node.index == nil
                && node.ancestorSym == nil && !node.tuple
        }
        func concatParts(_ node: Node, level: Int, into parts: inout [ConcatPart]) -> Bool {
            switch node.leaf {
            case .name:
                parts.append(.member(node.leafName, node.hintSlot))
                return true
            case .literal:
                guard case .string(let s)? = node.literal else { return false }
                parts.append(.text(s))
                return true
            case .binary:
                guard node.binop == .concat, level < 16, let lhs = node.lhs, let rhs = node.rhs else { return false }
                return concatParts(lhs, level: level + 1, into: &parts) && concatParts(rhs, level: level + 1, into: &parts)
            default:
                guard plainCall(node), libraryFunction(node) === Functions.stringBuiltin, let name = nameArgument(node) else { return false }
                parts.append(.string(name.leafName, name.hintSlot))
                return true
            }
        }

        switch root.leaf {
        case .name:
            self.init(.member, key: root.leafName, slot: root.hintSlot)
        case .binary:
            if root.binop == .concat {
                var parts: [ConcatPart] = []
                guard concatParts(root, level: 0, into: &parts) else { return nil }
                self.init(.concat, parts: parts)
                return
            }
            guard let program = root.exactProgram else { return nil }
            if root.exactReadsNumber {
                let number = Symbols.intern("number")
                guard !isBound(number), functions.lookup(number) === Functions.numberBuiltin else { return nil }
            }
            self.init(.exact, program: program)
        default:
            guard plainCall(root), let f = libraryFunction(root), let direct = Functions.directUnary(f), let name = nameArgument(root) else { return nil }
            self.init(.call, key: name.leafName, slot: name.hintSlot, function: direct)
        }
    }

    /// The result on input object `o` (`.some(nil)`: nothing), or nil when the general
    /// evaluation is needed.
    @inline(__always)
    func run(_ o: JSONObject, _ ev: Evaluator) -> JSONValue?? {
        switch shape {
        case .member:
            guard let j = ev.memberJSON(o, key, hintSlot: slot) else { return .some(nil) }
            switch j {
            case .string, .bool, .null, .object: return j
            case .number(let n): return .number(Num(n).jsonNumber)
            case .array: return nil
            }
        case .call:
            guard let j = ev.memberJSON(o, key, hintSlot: slot) else { return nil }
            if case .array = j { return nil }
            guard let r = function?(Value(j)) else { return nil }
            switch r {
            case .string(let s): return .string(s)
            case .number(let n) where n.d.isFinite: return .number(n.jsonNumber)
            default: return nil
            }
        case .concat:
            var text = ""
            for part in parts {
                switch part {
                case .text(let s):
                    text += s
                case .member(let key, let slot), .string(let key, let slot):
                    switch ev.memberJSON(o, key, hintSlot: slot) {
                    case nil: break
                    case .string(let s)?: text += s
                    case .array?, .object?: return nil
                    case let j?:
                        // a number (an infinite one is an error the general way reports), true, false, null
                        guard let s = try? Functions.string(Value(j), ieee: false) else { return nil }
                        text += s
                    }
                }
            }
            return .string(text)
        case .exact:
            guard let (m, e) = ev.exactTerm(program, o) else { return nil }
            return .number(Num(m: m, e: e).jsonNumber)
        }
    }
}
