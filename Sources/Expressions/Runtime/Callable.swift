import JSONModel

/// What a built-in receives besides its arguments: the evaluator, the context value and the
/// caller's scope.
struct CallSite {
    unowned(unsafe) let ev: Evaluator
    let input: Value?
    let frame: Frame
}

typealias BuiltinBody = @Sendable (_ args: [Value?], _ site: CallSite) throws(ExpressionError) -> Value?

/// A function value: a built-in, a lambda, a partial application, a regular expression, or a
/// host function.
class Callable: @unchecked Sendable {
    enum Kind { case builtin, lambda, partial, regex, transform }
    let kind: Kind
    let signature: Signature?
    /// The number of arguments a higher-order function passes to it.
    let arity: Int

    init(kind: Kind, signature: Signature?, arity: Int) {
        self.kind = kind
        self.signature = signature
        self.arity = arity
    }
}

/// A function of the standard library (or an internal native closure).
final class Builtin: Callable, @unchecked Sendable {
    let name: String
    let body: BuiltinBody

    init(_ name: String, _ signature: String?, arity: Int, _ body: @escaping BuiltinBody) {
        self.name = name
        self.body = body
        super.init(kind: .builtin, signature: signature.flatMap { try? Signature($0) }, arity: arity)
    }

    init(name: String, signature: Signature?, arity: Int, body: @escaping BuiltinBody) {
        self.name = name
        self.body = body
        super.init(kind: .builtin, signature: signature, arity: arity)
    }
}

/// A lambda (`function($x){ … }`) closed over its scope and context value.
final class Lambda: Callable, @unchecked Sendable {
    let params: [Sym]
    let body: Node
    let input: Value?
    let frame: Frame
    let isThunk: Bool

    init(params: [Sym], body: Node, input: Value?, frame: Frame, signature: Signature?, isThunk: Bool) {
        self.params = params
        self.body = body
        self.input = input
        self.frame = frame
        self.isThunk = isThunk
        super.init(kind: .lambda, signature: signature, arity: params.count)
    }
}

/// A built-in with some arguments fixed (`$substring(?, 0, 2)`).
final class PartialBuiltin: Callable, @unchecked Sendable {
    let target: Callable
    let args: [Value?]
    let holes: [Int]

    init(target: Callable, args: [Value?], holes: [Int]) {
        self.target = target
        self.args = args
        self.holes = holes
        super.init(kind: .partial, signature: nil, arity: holes.count)
    }
}

/// A regular expression literal, usable as a matcher function.
final class RegexFunction: Callable, @unchecked Sendable {
    let regex: CompiledRegex
    init(_ regex: CompiledRegex) {
        self.regex = regex
        super.init(kind: .regex, signature: nil, arity: 1)
    }
}
