/// A top-down operator-precedence (Pratt) parser for JSONata, followed by the post-parse pass
/// that turns the parse tree into the evaluation tree (``Processor``).
struct Parser {
    private var lexer: Tokenizer
    private var node: PNode
    private var previousToken: Token? = nil
    private(set) var references: [ExpressionReference] = []
    private let length: Int
    private let stackFloor = StackGuard.floor()

    static let bindingPowers: [String: Int] = [
        ".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60,
        "=": 40, "<": 40, ">": 40, "!=": 40, "<=": 40, ">=": 40, "&": 50, "and": 30, "or": 25, "in": 40, "~>": 40,
        ":=": 10, "^": 40, "??": 40, "?:": 40,
    ]
    /// Operators that are symbols of the grammar (others, like `!` and `~`, are unknown).
    static let symbols: Set<String> = [
        ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">",
        "^", "&", "..", ":=", "!=", "<=", ">=", "**", "~>", "and", "or", "in", "??", "?:",
    ]

    init(_ text: String) {
        lexer = Tokenizer(text)
        length = lexer.chars.count
        node = PNode(.end, "(end)", position: 0, end: 0)
    }

    /// Parses and post-processes a whole expression.
    static func parse(_ text: String) throws(ExpressionError) -> (Node, [ExpressionReference], hintSlots: Int) {
        var p = Parser(text)
        try p.advance()
        let expr = try p.expression(0)
        if p.id(p.node) != "(end)" {
            throw ExpressionError.make("S0201", position: p.node.position, token: p.node.value)
        }
        var processor = Processor()
        let result = try processor.process(expr)
        processor.finish()
        Processor.optimize(result)
        if result.kind == .parent || result.seekingParent != nil {
            throw ExpressionError.make("S0217", position: result.position, token: result.kind == .parent ? "parent" : "path")
        }
        let built = Node.build(result)
        return (built.node, p.references, built.hintSlots)
    }

    private func id(_ n: PNode) -> String {
        switch n.kind {
        case .op: return n.value
        case .name, .variable: return "(name)"
        case .string, .number, .value: return "(literal)"
        case .regex: return "(regex)"
        case .end: return "(end)"
        default: return n.value
        }
    }

    private func lbp(_ n: PNode) -> Int {
        n.kind == .op ? n.bindingPower : 0
    }

    @discardableResult
    private mutating func advance(_ expected: String? = nil, infix: Bool = false) throws(ExpressionError) -> PNode {
        if let expected, id(node) != expected {
            let code = node.kind == .end ? "S0203" : "S0202"
            throw ExpressionError.make(code, position: node.position, token: node.kind == .end ? nil : node.value, expected: expected)
        }
        guard let t = try lexer.next(infix: infix) else {
            node = PNode(.end, "(end)", position: length, end: length)
            return node
        }
        if t.kind == .op && t.text == "(", let prev = previousToken, prev.kind == .variable,
            let last = references.last, last.offset == prev.start
        {
            references[references.count - 1] = ExpressionReference(name: last.name, isCall: true, offset: last.offset, length: last.length)
        }
        if t.kind == .variable {
            references.append(ExpressionReference(name: t.text, isCall: false, offset: t.start, length: t.end - t.start))
        }
        previousToken = t
        let n: PNode
        switch t.kind {
        case .op:
            guard Parser.symbols.contains(t.text) else {
                throw ExpressionError.make("S0204", position: t.start, token: t.text)
            }
            n = PNode(.op, t.text, position: t.start, end: t.end)
            n.bindingPower = Parser.bindingPowers[t.text] ?? 0
        case .name: n = PNode(.name, t.text, position: t.start, end: t.end)
        case .variable:
            n = PNode(.variable, t.text, position: t.start, end: t.end)
        case .string:
            n = PNode(.string, t.text, position: t.start, end: t.end)
            n.literal = .string(t.text)
        case .number:
            n = PNode(.number, t.text, position: t.start, end: t.end)
            n.literal = .number(t.number!)
        case .value:
            n = PNode(.value, t.text, position: t.start, end: t.end)
            n.literal = t.literal
        case .regex:
            n = PNode(.regex, t.text, position: t.start, end: t.end)
            n.regex = t.regex
        }
        node = n
        return n
    }

    private mutating func expression(_ rbp: Int) throws(ExpressionError) -> PNode {
        if StackGuard.currentAddress() < stackFloor {
            throw ExpressionError.stackExhausted(position: node.position)
        }
        var t = node
        try advance(nil, infix: true)
        var left = try nud(t)
        while rbp < lbp(node) {
            t = node
            try advance()
            left = try led(t, left)
        }
        return left
    }

    private mutating func nud(_ t: PNode) throws(ExpressionError) -> PNode {
        switch t.kind {
        case .name, .variable, .string, .number, .value, .regex, .end:
            return t
        case .op:
            break
        default:
            return t
        }
        switch t.value {
        case "and", "or", "in":
            return t
        case "-":
            t.kind = .unary
            t.expression = try expression(70)
            return t
        case "*":
            t.kind = .wildcard
            return t
        case "**":
            t.kind = .descendant
            return t
        case "%":
            t.kind = .parent
            return t
        case "(":
            var exprs: [PNode] = []
            while id(node) != ")" {
                exprs.append(try expression(0))
                if id(node) != ";" { break }
                try advance(";")
            }
            try advance(")", infix: true)
            t.kind = .block
            t.expressions = exprs
            return t
        case "[":
            var items: [PNode] = []
            if id(node) != "]" {
                while true {
                    var item = try expression(0)
                    if id(node) == ".." {
                        let range = PNode(.binary, "..", position: node.position, end: node.endPosition)
                        range.lhs = item
                        try advance("..")
                        range.rhs = try expression(0)
                        item = range
                    }
                    items.append(item)
                    if id(node) != "," { break }
                    try advance(",")
                }
            }
            try advance("]", infix: true)
            t.kind = .unary
            t.expressions = items
            return t
        case "{":
            t.pairs = try objectPairs()
            t.kind = .unary
            return t
        case "|":
            t.kind = .transform
            t.pattern = try expression(0)
            try advance("|")
            t.update = try expression(0)
            if id(node) == "," {
                try advance(",")
                t.delete = try expression(0)
            }
            try advance("|")
            return t
        default:
            throw ExpressionError.make("S0211", position: t.position, token: t.value)
        }
    }

    private mutating func objectPairs() throws(ExpressionError) -> [(PNode, PNode)] {
        var pairs: [(PNode, PNode)] = []
        if id(node) != "}" {
            while true {
                let n = try expression(0)
                try advance(":")
                let v = try expression(0)
                pairs.append((n, v))
                if id(node) != "," { break }
                try advance(",")
            }
        }
        try advance("}", infix: true)
        return pairs
    }

    private mutating func led(_ t: PNode, _ left: PNode) throws(ExpressionError) -> PNode {
        switch t.value {
        case "(":
            t.procedure = left
            t.kind = .function
            t.arguments = []
            if id(node) != ")" {
                while true {
                    if node.kind == .op && node.value == "?" {
                        t.kind = .partial
                        node.kind = .placeholder
                        t.arguments.append(node)
                        try advance()
                    } else {
                        t.arguments.append(try expression(0))
                    }
                    if id(node) != "," { break }
                    try advance(",")
                }
            }
            try advance(")", infix: true)
            if left.kind == .name && (left.value == "function" || left.value == "\u{03BB}") {
                for arg in t.arguments where arg.kind != .variable {
                    throw ExpressionError.make("S0208", position: arg.position, token: arg.value)
                }
                t.kind = .lambda
                if node.kind == .op && node.value == "<" {
                    let sigPos = node.position
                    var depth = 1
                    var sig = "<"
                    while depth > 0 && id(node) != "{" && id(node) != "(end)" {
                        let tok = try advance()
                        if tok.kind == .op && tok.value == ">" {
                            depth -= 1
                        } else if tok.kind == .op && tok.value == "<" {
                            depth += 1
                        }
                        sig += tok.value
                    }
                    try advance(">")
                    do throws(ExpressionError) {
                        t.signature = try Signature(sig)
                    } catch {
                        throw ExpressionError.make(error.code, position: sigPos + (error.position ?? 0), token: error.token)
                    }
                }
                try advance("{")
                t.body = try expression(0)
                try advance("}")
            }
            return t
        case "[":
            if id(node) == "]" {
                var step = left
                while step.kind == .binary && step.value == "[", let l = step.lhs { step = l }
                step.keepArray = true
                try advance("]")
                return left
            }
            t.lhs = left
            t.rhs = try expression(0)
            t.kind = .binary
            try advance("]", infix: true)
            return t
        case "^":
            try advance("(")
            var terms: [(descending: Bool, expression: PNode)] = []
            while true {
                var descending = false
                if node.kind == .op && node.value == "<" {
                    try advance("<")
                } else if node.kind == .op && node.value == ">" {
                    descending = true
                    try advance(">")
                }
                terms.append((descending, try expression(0)))
                if id(node) != "," { break }
                try advance(",")
            }
            try advance(")")
            t.lhs = left
            t.rawTerms = terms
            t.kind = .binary
            return t
        case "{":
            t.lhs = left
            t.pairs = try objectPairs()
            t.kind = .binary
            return t
        case ":=":
            if left.kind != .variable {
                throw ExpressionError.make("S0212", position: left.position, token: left.value)
            }
            t.lhs = left
            t.rhs = try expression(Parser.bindingPowers[":="]! - 1)
            t.kind = .binary
            return t
        case "@", "#":
            t.lhs = left
            let rhs = try expression(Parser.bindingPowers[t.value]!)
            t.rhs = rhs
            if rhs.kind != .variable {
                throw ExpressionError.make("S0214", position: rhs.position, token: t.value)
            }
            t.kind = .binary
            return t
        case "?":
            t.kind = .condition
            t.condition = left
            t.then = try expression(0)
            if node.kind == .op && node.value == ":" {
                try advance(":")
                t.otherwise = try expression(0)
            }
            return t
        case "??", "?:":
            t.kind = t.value == "??" ? .coalesce : .elvis
            t.condition = left
            t.otherwise = try expression(0)
            return t
        default:
            t.lhs = left
            t.rhs = try expression(Parser.bindingPowers[t.value] ?? 0)
            t.kind = .binary
            return t
        }
    }
}
