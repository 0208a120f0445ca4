import Foundation
import JSONModel

/// A compiled JSONata expression.
///
/// Compile once (`init` parses and prepares the tree), then evaluate as often as needed, from
/// any thread:
///
/// ```swift
/// let total = try Expression("$sum(items.(price * qty))")
/// let result = try total.evaluate(record)   // nil means undefined
/// ```
///
/// Numbers read from the input keep their exact decimal value through `+ - *`, `$sum`,
/// `$round`, comparisons and equality, so `0.1 + 0.2 = 0.3`. For results identical to
/// jsonata-js (IEEE doubles throughout) evaluate with ``NumberMode/ieee`` in
/// ``EvaluationLimits/numbers``.
public struct Expression: Sendable {
    /// The expression text.
    public let text: String
    let root: Node
    /// How many member-lookup hints the evaluation of `root` uses (see ``Evaluator/hints``).
    private let hintSlots: Int
    /// Every `$name(` call and `$name` variable reference in the expression.
    public let references: [ExpressionReference]

    /// Parses and compiles an expression.
    /// - Throws: ``ExpressionError`` with a JSONata `S0…` code and the position of the bad token.
    public init(_ text: String) throws(ExpressionError) {
        self.text = text
        let parsed = try StackGuard.withDeepStack { () throws(ExpressionError) in
            try Parser.parse(text)
        }
        self.root = parsed.0
        self.references = parsed.1
        self.hintSlots = parsed.hintSlots
    }

    /// Evaluates the expression against an input document.
    /// - Parameters:
    ///   - input: the input document; nil for none (undefined).
    ///   - bindings: values for variables (`$name`), by name without the `$`.
    ///   - environment: the functions the expression may call.
    ///   - limits: time and depth limits for this evaluation, and its ``NumberMode``.
    /// - Returns: the result, or nil when it is undefined.
    /// - Throws: ``ExpressionError``.
    public func evaluate(
        _ input: JSONValue?, bindings: [String: JSONValue] = [:], environment: ExpressionEnvironment = .standard,
        limits: EvaluationLimits = .init()
    ) throws(ExpressionError) -> JSONValue? {
        try prepared(bindings: bindings, environment: environment, limits: limits).evaluate(input)
    }

    /// The expression ready to evaluate many inputs with the same bindings (a pipeline's
    /// records): the evaluator, its member-lookup hints and the bindings are set up once.
    /// Not for use from several threads at once; make one per thread.
    public func prepared(bindings: [String: JSONValue] = [:], environment: ExpressionEnvironment = .standard,
                         limits: EvaluationLimits = .init()) -> PreparedExpression {
        PreparedExpression(root: root, hintSlots: hintSlots, bindings: bindings, environment: environment, limits: limits)
    }

    /// Converts an evaluation result to the JSON model. In IEEE mode every number leaves as its
    /// double (input numbers included), so it prints as jsonata-js prints it.
    static func output(_ v: Value?, ieee: Bool) throws(ExpressionError) -> JSONValue? {
        guard let v else { return nil }
        switch v {
        case .function: return nil
        case .number(let n) where !n.d.isFinite:
            throw ExpressionError.make("D1001", value: v)
        case .tuples(let t):
            return try Value.array(JArray(t.tuples.compactMap(\.context))).toJSON(ieee: ieee)
        default:
            return try v.toJSON(ieee: ieee)
        }
    }
}

/// A variable or function reference in an expression (`$name` or `$name(`).
public struct ExpressionReference: Sendable, Hashable {
    /// The name without the `$`.
    public let name: String
    /// True when the reference is called (`$name(`).
    public let isCall: Bool
    /// Offset (in characters, from 0) of the `$` in the expression text.
    public let offset: Int
    /// Length of the reference in characters, `$` included.
    public let length: Int

    public init(name: String, isCall: Bool, offset: Int, length: Int) {
        self.name = name
        self.isCall = isCall
        self.offset = offset
        self.length = length
    }
}

/// Limits for one evaluation (exceeding one raises `U1001`), and how it computes with numbers.
public struct EvaluationLimits: Sendable {
    /// The longest an evaluation may run; nil for no time limit.
    public var timeout: Duration?
    /// The deepest the evaluation may nest (one level per sub-expression being evaluated, as
    /// JSONata counts it); nil for the default, ``defaultMaxDepth``.
    public var maxDepth: Int?

    /// How numbers are computed: ``NumberMode/exact`` decimals (the default) or IEEE doubles
    /// exactly as jsonata-js computes them.
    public var numbers: NumberMode

    /// The depth limit used when `maxDepth` is nil.
    public static let defaultMaxDepth = 10_000

    public init(timeout: Duration? = nil, maxDepth: Int? = nil, numbers: NumberMode = .exact) {
        self.timeout = timeout
        self.maxDepth = maxDepth
        self.numbers = numbers
    }
}

/// How an evaluation computes with numbers.
///
/// - ``exact``: the default, for money. A number read from the input or written in the
///   expression keeps its exact decimal value (up to 18 significant digits) through `+ - *`,
///   unary minus, `$sum`, `$round` (half to even on the decimal), `$floor`, `$ceil`, `$abs`,
///   `$power` with a small whole exponent, comparisons, equality, sorting, `$max`/`$min` and
///   `$string`, so `0.1 + 0.2` is `0.3` and `$sum` of line amounts is the exact total. `/`, `%`,
///   `$sqrt`, `$average`'s division and the like give IEEE doubles, and an exact result too large
///   for 18 digits falls back to a double. The JSONata test suite expects IEEE rounding noise in
///   8 cases; this mode deliberately gives the exact value there.
/// - ``ieee``: every number is an IEEE 754 double, as in jsonata-js (JavaScript). Each
///   operation and aggregate rounds to a double (`0.1 + 0.2` is `0.30000000000000004`, `$sum`
///   adds doubles left to right), comparisons and equality compare doubles, `$round` is
///   jsonata-js's algorithm, `$string` rounds non-integers to 15 significant digits, and the
///   numbers of the result (those copied from the input too) are doubles whose text is the
///   shortest that reads back as the same double: JavaScript's digits. Use it to check behaviour
///   against the reference implementation (the conformance runner runs the suite in both modes).
///
/// The mode is one flag the evaluator tests where a number operation depends on it: exact mode
/// costs what it did, and IEEE mode adds only a walk over the result for input numbers that have
/// more than 15 significant digits. The modes differ only where a decimal result is not a
/// double: integers below 2^53 and decimals that need no rounding come out the same.
public enum NumberMode: Sendable, Hashable {
    /// Exact decimals where JSONata's arithmetic allows (the default).
    case exact
    /// IEEE 754 doubles everywhere, like jsonata-js.
    case ieee
}

/// The functions an expression may call: the standard library plus host functions.
public struct ExpressionEnvironment: Sendable {
    let table: FunctionTable

    /// JSONata's standard library.
    public static let standard = ExpressionEnvironment(table: FunctionTable.standard)

    /// A copy of this environment with one more function, callable as `$name(...)`.
    /// - Parameters:
    ///   - name: the function name, without the `$`.
    ///   - signature: a JSONata signature such as `<s-n?:s>`, validated before each call; nil
    ///     for none.
    ///   - body: the function; arguments are nil where undefined; return nil for undefined.
    public func adding(
        _ name: String, signature: String?, _ body: @escaping @Sendable ([JSONValue?]) throws(ExpressionError) -> JSONValue?
    ) -> ExpressionEnvironment {
        let sig = signature.flatMap { try? Signature($0) }
        let builtin = Builtin(name: name, signature: sig, arity: max(sig?.params.count ?? 1, 1)) { args, site throws(ExpressionError) in
            var jsonArgs: [JSONValue?] = []
            jsonArgs.reserveCapacity(args.count)
            let ieee = site.ev.ieee
            for a in args { jsonArgs.append(try Expression.output(a, ieee: ieee)) }
            return try body(jsonArgs).map(Value.init)
        }
        return ExpressionEnvironment(table: table.adding(Symbols.intern(name), builtin))
    }

    /// True when `$name(...)` names a function of this environment.
    public func isKnownFunction(_ name: String) -> Bool {
        table.lookup(Symbols.intern(name)) != nil
    }
}

/// Functions by interned name.
final class FunctionTable: @unchecked Sendable {
    private let slots: [Callable?]

    init(_ functions: [(Sym, Callable)]) {
        let size = (functions.map { Int($0.0) }.max() ?? -1) + 1
        var table = [Callable?](repeating: nil, count: size)
        for (s, f) in functions { table[Int(s)] = f }
        slots = table
    }

    private init(slots: [Callable?]) {
        self.slots = slots
    }

    @inline(__always) func lookup(_ sym: Sym) -> Callable? {
        let i = Int(sym)
        return i < slots.count ? slots[i] : nil
    }

    func adding(_ sym: Sym, _ f: Callable) -> FunctionTable {
        var s = slots
        if Int(sym) >= s.count { s += [Callable?](repeating: nil, count: Int(sym) - s.count + 1) }
        s[Int(sym)] = f
        return FunctionTable(slots: s)
    }

    static let standard = FunctionTable(Functions.library.map { (Symbols.intern($0.name), $0 as Callable) })
}

/// An ``Expression`` with its bindings, environment and limits fixed, evaluating one input after
/// another. Each evaluation has its own time budget and depth count, sees the bindings afresh
/// (what it binds with `:=` is gone for the next), and gives what ``Expression/evaluate(_:bindings:environment:limits:)``
/// gives. Member-lookup hints carry over, so records of one shape are read faster.
public final class PreparedExpression {
    private let root: Node
    private let limits: EvaluationLimits
    private let ieee: Bool
    private let evaluator: Evaluator
    private let base: Frame
    /// The root's shape when it is one read straight from an input object (exact mode only).
    private let direct: DirectForm?
    /// The root when it is `lines.{…}` (exact mode only): built item by item, without the path's machinery.
    private let rootMap: (name: Node, constructor: Node)?
    private static let dollar = Symbols.intern("$")

    init(root: Node, hintSlots: Int, bindings: [String: JSONValue], environment: ExpressionEnvironment, limits: EvaluationLimits) {
        self.root = root
        self.limits = limits
        ieee = limits.numbers == .ieee
        evaluator = Evaluator(
            functions: environment.table, maxDepth: limits.maxDepth ?? EvaluationLimits.defaultMaxDepth,
            stackFloor: 0, ieee: ieee, hintSlots: hintSlots)
        base = Frame(parent: nil)
        for (k, v) in bindings { base.bind(Symbols.intern(k), Value(v)) }
        let base = self.base
        direct = ieee ? nil : DirectForm(root, functions: environment.table, isBound: { base.lookup($0) != nil })
        rootMap = ieee ? nil : Node.objectMap(root)
    }

    /// Whether the expression has a shape read straight from an input object (see
    /// ``evaluate(object:)``).
    public var readsObjectsDirectly: Bool { direct != nil }

    /// The result on input object `o` when the expression's shape is read straight from it
    /// (`.some(nil)`: nothing); nil when ``evaluate(_:)`` is needed. For a caller that
    /// evaluates many expressions on one object: it takes the object apart once.
    public func evaluate(object o: JSONObject) -> JSONValue?? {
        guard let direct else { return nil }
        return direct.run(o, evaluator)
    }

    public func evaluate(_ input: JSONValue?) throws(ExpressionError) -> JSONValue? {
        let ev = evaluator
        if let direct, case .object(let o)? = input, let result = direct.run(o, ev) { return result }
        let root = self.root
        let ieee = self.ieee
        ev.budget = limits.timeout
        ev.deadline = nil
        ev.stamp = nil
        ev.stackFloor = StackGuard.floor()
        ev.counters.pointee = (0, 0)
        let frame = Frame(parent: base)
        var value: Value? = input.map(Value.init)
        frame.bind(Self.dollar, value)
        if case .jarray(let a)? = value {
            let wrapper = JArray.sequence([.jarray(a)])
            wrapper.outerWrapper = true
            value = .array(wrapper)
        }
        let rootMap = self.rootMap
        return try StackGuard.withDeepStack { () throws(ExpressionError) -> JSONValue? in
            ev.stackFloor = StackGuard.floor()
            // `lines.{…}` on an array of objects: one object per item (one item: the object itself,
            // as a path gives a single result); anything else the general way
            if let map = rootMap, case .jobject(let o)? = value, let mapped = try ev.mapObjects(map.name, map.constructor, o, frame) {
                if case .array(let items) = mapped, items.count == 1 { return items[0] }
                return mapped
            }
            let result = try ev.eval(root, value, frame)
            return try Expression.output(result, ieee: ieee)
        }
    }
}
