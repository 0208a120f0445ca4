import Foundation
import JSONModel

/// Finds the instance locations whose schema carries one of our annotation keywords:
/// `x-interpolate` (environment interpolation allowed) and `x-expression` (a JSONata expression).
///
/// The schema is compiled once into a small graph (properties, pattern properties with their
/// regexes compiled, additional properties, items, and the `$ref`/`allOf`/`anyOf`/`oneOf`/
/// `then`/`else` branches resolved to nodes), then walked alongside each instance. Enough for
/// the pipeline schema, which is the only schema it serves.
public struct SchemaAnnotations: Sendable {
    public var interpolated: Set<JSONPointer> = []
    public var expressions: Set<JSONPointer> = []

    public static func collect(schema: JSONValue, instance: JSONValue) -> SchemaAnnotations {
        collect(graph: AnnotationGraph(schema), instance: instance)
    }

    static func collect(graph: AnnotationGraph, instance: JSONValue) -> SchemaAnnotations {
        var out = SchemaAnnotations()
        graph.walk(0, instance: instance, pointer: .root, into: &out, depth: 0)
        return out
    }
}

/// The compiled form of a schema for ``SchemaAnnotations``.
final class AnnotationGraph: @unchecked Sendable {
    struct Node {
        var interpolate = false
        var expression = false
        var properties: [String: Int] = [:]
        var patterns: [(NSRegularExpression, Int)] = []
        var additional: Int? = nil
        var items: Int? = nil
        var prefixItems: [Int] = []
        /// Subschemas that apply to the same instance: `$ref`, `allOf`, `anyOf`, `oneOf`, `then`, `else`.
        var branches: [Int] = []
    }

    private(set) var nodes: [Node] = []
    private var byPointer: [String: Int] = [:]
    private let root: JSONValue

    init(_ root: JSONValue) {
        self.root = root
        _ = compile(root, at: "")
    }

    /// Compiles the subschema found at a JSON pointer of the root (memoised by pointer, so
    /// recursive `$ref`s become cycles in the graph instead of infinite compilation).
    private func compile(_ schema: JSONValue, at pointer: String) -> Int {
        if let i = byPointer[pointer] { return i }
        let index = nodes.count
        nodes.append(Node())
        byPointer[pointer] = index
        guard let s = schema.objectValue else { return index }
        var node = Node()
        node.interpolate = s["x-interpolate"]?.boolValue == true
        node.expression = s["x-expression"]?.boolValue == true
        if let props = s["properties"]?.objectValue {
            for (name, sub) in props { node.properties[name] = compile(sub, at: pointer + "/properties/" + escape(name)) }
        }
        if let pats = s["patternProperties"]?.objectValue {
            for (pattern, sub) in pats {
                if let re = try? NSRegularExpression(pattern: pattern) {
                    node.patterns.append((re, compile(sub, at: pointer + "/patternProperties/" + escape(pattern))))
                }
            }
        }
        if let extra = s["additionalProperties"] { node.additional = compile(extra, at: pointer + "/additionalProperties") }
        if let items = s["items"] { node.items = compile(items, at: pointer + "/items") }
        if let prefix = s["prefixItems"]?.arrayValue {
            node.prefixItems = prefix.enumerated().map { compile($0.element, at: pointer + "/prefixItems/\($0.offset)") }
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            for (i, b) in (s[k]?.arrayValue ?? []).enumerated() { node.branches.append(compile(b, at: pointer + "/\(k)/\(i)")) }
        }
        for k in ["then", "else"] {
            if let b = s[k] { node.branches.append(compile(b, at: pointer + "/" + k)) }
        }
        if let ref = s["$ref"]?.stringValue, ref.hasPrefix("#") {
            let fragment = String(ref.dropFirst()).removingPercentEncoding ?? ""
            if let p = JSONPointer(fragment), let target = root.value(at: p) {
                node.branches.append(compile(target, at: fragment))
            }
        }
        nodes[index] = node
        return index
    }

    private func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    func walk(_ index: Int, instance: JSONValue, pointer: JSONPointer, into out: inout SchemaAnnotations, depth: Int) {
        guard depth < 64 else { return }
        let node = nodes[index]
        if case .string = instance {
            if node.interpolate { out.interpolated.insert(pointer) }
            if node.expression { out.expressions.insert(pointer) }
        }
        for b in node.branches { walk(b, instance: instance, pointer: pointer, into: &out, depth: depth + 1) }
        switch instance {
        case .object(let o):
            for (name, value) in o {
                var matched = false
                if let sub = node.properties[name] {
                    matched = true
                    walk(sub, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1)
                }
                for (re, sub) in node.patterns {
                    let range = NSRange(name.startIndex..<name.endIndex, in: name)
                    if re.firstMatch(in: name, range: range) != nil {
                        matched = true
                        walk(sub, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1)
                    }
                }
                if !matched, let extra = node.additional {
                    walk(extra, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1)
                }
            }
        case .array(let a):
            for (i, value) in a.enumerated() {
                if i < node.prefixItems.count {
                    walk(node.prefixItems[i], instance: value, pointer: pointer.appending(i), into: &out, depth: depth + 1)
                } else if let items = node.items {
                    walk(items, instance: value, pointer: pointer.appending(i), into: &out, depth: depth + 1)
                }
            }
        default:
            break
        }
    }
}
