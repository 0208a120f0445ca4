import CYaml
import Diagnostics

/// Limits that keep hostile input bounded in time and memory.
public struct YAMLLimits: Sendable {
    /// Deepest nesting of sequences and mappings accepted.
    public var maxDepth: Int = 256
    /// Most nodes a document may expand to once aliases are followed (stops "billion laughs").
    public var maxNodes: Int = 1_000_000

    public init(maxDepth: Int = 256, maxNodes: Int = 1_000_000) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }
}

/// Builds a ``YAMLNode`` tree from libyaml's event stream (libyaml comes with Yams).
///
/// Written against the events rather than Yams' own composer so that it can: keep every mark,
/// report both lines of a duplicate key, stop at a nesting or alias-expansion limit instead of
/// recursing or hashing exponentially, and support `<<` merge keys. It is iterative: depth costs
/// heap, never stack.
public struct YAMLComposer {
    public var limits: YAMLLimits

    public init(limits: YAMLLimits = YAMLLimits()) {
        self.limits = limits
    }

    public struct Failure: Error, Sendable {
        public var diagnostic: Diagnostic
    }

    private final class Container {
        enum Kind { case sequence, mapping }
        let kind: Kind
        let start: YAMLMark
        let anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        var keyLines: [String: YAMLMark] = [:]
        /// Keys brought in by `<<` merges, which explicit keys may override.
        var merged: [YAMLPair] = []
        var pendingMerge = false

        init(kind: Kind, start: YAMLMark, anchor: String?) {
            self.kind = kind
            self.start = start
            self.anchor = anchor
        }
    }

    /// Composes the single document in `text`. Returns nil for a document with no content.
    public func compose(_ text: String, file: String) throws(Failure) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw Failure(diagnostic: .error("yaml_syntax", "could not initialise the YAML parser", at: nil))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        var bytes = Array(text.utf8)
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { (buf) throws(Failure) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count - 1)
            return try run(&parser, file: file)
        }
    }

    private func location(_ m: YAMLMark, _ file: String, length: Int = 1) -> SourceLocation {
        SourceLocation(file: file, line: m.line, column: m.column, length: length)
    }

    private static func mark(_ m: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(m.line) + 1, column: Int(m.column) + 1, offset: Int(m.index))
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    private func run(_ parser: inout yaml_parser_t, file: String) throws(Failure) -> YAMLNode? {
        var stack: [Container] = []
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var anchorSizes: [String: Int] = [:]
        var root: YAMLNode? = nil
        var documents = 0
        var expanded = 0  // nodes counted with aliases expanded
        var aliasesUsed = false

        func syntaxError(_ parser: yaml_parser_t) -> Failure {
            let problem = Self.string(UnsafeMutablePointer(mutating: parser.problem.map { UnsafeRawPointer($0).assumingMemoryBound(to: yaml_char_t.self) })) ?? "invalid YAML"
            let context = Self.string(UnsafeMutablePointer(mutating: parser.context.map { UnsafeRawPointer($0).assumingMemoryBound(to: yaml_char_t.self) }))
            let m = Self.mark(parser.problem_mark)
            var message = problem
            if let context { message = "\(problem) \(context)" }
            if message.contains("Maximum nesting level") {
                return Failure(diagnostic: .error("nesting_too_deep", "YAML nesting is deeper than the parser's limit", at: location(m, file)))
            }
            var related: [Diagnostic.Related] = []
            if parser.context != nil {
                let cm = Self.mark(parser.context_mark)
                if cm != m, cm.line > 0 {
                    related.append(.init(message: "\(context ?? "while parsing") started here", location: location(cm, file)))
                }
                message = problem
            }
            return Failure(diagnostic: Diagnostic(
                id: "yaml_syntax", severity: .error, message: "YAML syntax error: \(message)",
                location: location(m, file), related: related))
        }

        // Attaches a finished node to the container on top of the stack.
        func attach(_ node: YAMLNode, size: Int) throws(Failure) {
            guard let top = stack.last else {
                root = node
                return
            }
            switch top.kind {
            case .sequence:
                top.items.append(node)
            case .mapping:
                if let key = top.pendingKey {
                    top.pendingKey = nil
                    guard case .scalar(let name, let style, _) = key.kind else {
                        throw Failure(diagnostic: .error(
                            "yaml_syntax", "mapping keys must be plain strings, not collections",
                            at: location(key.start, file)))
                    }
                    if top.pendingMerge {
                        top.pendingMerge = false
                        try merge(node, into: top, at: key.start)
                        return
                    }
                    if let first = top.keyLines[name] {
                        throw Failure(diagnostic: Diagnostic(
                            id: "duplicate_key", severity: .error,
                            message: "duplicate key '\(name)' (first defined on line \(first.line))",
                            location: location(key.start, file, length: name.count),
                            hint: "remove one of the two, or merge their contents",
                            related: [.init(message: "'\(name)' first defined here", location: location(first, file, length: name.count))]))
                    }
                    _ = style
                    top.keyLines[name] = key.start
                    top.pairs.append(YAMLPair(key: key, value: node, name: name))
                } else {
                    if case .scalar("<<", .plain, _) = node.kind {
                        top.pendingMerge = true
                    }
                    top.pendingKey = node
                }
            }
        }

        func merge(_ node: YAMLNode, into top: Container, at mark: YAMLMark) throws(Failure) {
            var sources: [YAMLNode] = []
            switch node.kind {
            case .mapping: sources = [node]
            case .sequence(let items): sources = items
            case .scalar:
                throw Failure(diagnostic: .error("yaml_syntax", "a '<<' merge key needs a mapping or a list of mappings", at: location(mark, file)))
            }
            for s in sources {
                guard case .mapping(let pairs) = s.kind else {
                    throw Failure(diagnostic: .error("yaml_syntax", "a '<<' merge key needs a mapping or a list of mappings", at: location(s.start, file)))
                }
                for p in pairs where !top.merged.contains(where: { $0.name == p.name }) {
                    top.merged.append(p)
                }
            }
        }

        func count(_ n: Int, at m: YAMLMark) throws(Failure) {
            expanded += n
            if expanded > limits.maxNodes {
                if aliasesUsed {
                    throw Failure(diagnostic: Diagnostic(
                        id: "alias_expansion", severity: .error,
                        message: "aliases expand this document to more than \(limits.maxNodes) nodes",
                        location: location(m, file),
                        hint: "this looks like a 'billion laughs' document; use fewer nested aliases"))
                }
                throw Failure(diagnostic: .error(
                    "document_too_large", "the document has more than \(limits.maxNodes) nodes",
                    at: location(m, file)))
            }
        }

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw syntaxError(parser) }
            defer { yaml_event_delete(&event) }
            let start = Self.mark(event.start_mark)
            let end = Self.mark(event.end_mark)

            switch event.type {
            case YAML_STREAM_END_EVENT:
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw Failure(diagnostic: .error(
                        "multiple_documents", "expected a single YAML document, found another one starting here",
                        at: location(start, file, length: 3),
                        hint: "split the documents into separate files"))
                }
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    throw Failure(diagnostic: .error(
                        "yaml_syntax", "alias '*\(name)' refers to no anchor defined before it",
                        at: location(start, file, length: name.count + 1)))
                }
                aliasesUsed = true
                try count(target.size, at: start)
                try attach(target.node, size: target.size)
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
                let style: YAMLScalarStyle
                switch s.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: style = .literal
                case YAML_FOLDED_SCALAR_STYLE: style = .folded
                default: style = .plain
                }
                let tag = Self.string(s.tag)
                let node = YAMLNode(kind: .scalar(value, style, tag: tag), start: start, end: end)
                try count(1, at: start)
                if let anchor = Self.string(s.anchor) { anchors[anchor] = (node, 1) }
                try attach(node, size: 1)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if stack.count >= limits.maxDepth {
                    throw Failure(diagnostic: .error(
                        "nesting_too_deep", "nesting is deeper than \(limits.maxDepth) levels",
                        at: location(start, file)))
                }
                try count(1, at: start)
                let isSeq = event.type == YAML_SEQUENCE_START_EVENT
                let anchor = isSeq ? Self.string(event.data.sequence_start.anchor) : Self.string(event.data.mapping_start.anchor)
                let c = Container(kind: isSeq ? .sequence : .mapping, start: start, anchor: anchor)
                if let anchor { anchorSizes[anchor] = expanded }
                stack.append(c)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let c = stack.removeLast()
                let node: YAMLNode
                if c.kind == .sequence {
                    node = YAMLNode(kind: .sequence(c.items), start: c.start, end: end)
                } else {
                    var pairs = c.pairs
                    for m in c.merged where c.keyLines[m.name] == nil { pairs.append(m) }
                    node = YAMLNode(kind: .mapping(pairs), start: c.start, end: end)
                }
                if let anchor = c.anchor {
                    let size = expanded - (anchorSizes[anchor] ?? expanded) + 1
                    anchors[anchor] = (node, size)
                }
                try attach(node, size: 1)
            default:
                break
            }
        }
    }
}
