import Foundation
import JSONModel

/// Finds the instance locations whose schema carries one of our annotation keywords:
/// `x-interpolate` (environment interpolation allowed) and `x-expression` (a JSONata expression).
///
/// A light walk over `properties`, `patternProperties`, `additionalProperties`, `items`,
/// `prefixItems`, local `$ref`s and the `allOf`/`anyOf`/`oneOf` branches — enough for the
/// pipeline schema, which is the only schema it serves.
public struct SchemaAnnotations: Sendable {
    public var interpolated: Set<JSONPointer> = []
    public var expressions: Set<JSONPointer> = []

    public static func collect(schema: JSONValue, instance: JSONValue) -> SchemaAnnotations {
        var out = SchemaAnnotations()
        var seen = Set<String>()
        walk(schema, root: schema, instance: instance, pointer: .root, into: &out, depth: 0, seen: &seen)
        return out
    }

    private static func walk(
        _ schema: JSONValue, root: JSONValue, instance: JSONValue, pointer: JSONPointer,
        into out: inout SchemaAnnotations, depth: Int, seen: inout Set<String>
    ) {
        guard depth < 64, let s = schema.objectValue else { return }
        if case .string = instance {
            if s["x-interpolate"]?.boolValue == true { out.interpolated.insert(pointer) }
            if s["x-expression"]?.boolValue == true { out.expressions.insert(pointer) }
        }
        if let ref = s["$ref"]?.stringValue, ref.hasPrefix("#") {
            let key = ref + "@" + pointer.description
            if !seen.contains(key), let target = resolve(ref, in: root) {
                seen.insert(key)
                walk(target, root: root, instance: instance, pointer: pointer, into: &out, depth: depth + 1, seen: &seen)
            }
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            for branch in s[k]?.arrayValue ?? [] {
                walk(branch, root: root, instance: instance, pointer: pointer, into: &out, depth: depth + 1, seen: &seen)
            }
        }
        for k in ["then", "else"] {
            if let b = s[k] { walk(b, root: root, instance: instance, pointer: pointer, into: &out, depth: depth + 1, seen: &seen) }
        }
        switch instance {
        case .object(let o):
            let props = s["properties"]?.objectValue
            let patterns = s["patternProperties"]?.objectValue
            for (name, value) in o {
                var matched = false
                if let sub = props?[name] {
                    matched = true
                    walk(sub, root: root, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1, seen: &seen)
                }
                if let patterns {
                    for (pattern, sub) in patterns where name.range(of: pattern, options: .regularExpression) != nil {
                        matched = true
                        walk(sub, root: root, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1, seen: &seen)
                    }
                }
                if !matched, let extra = s["additionalProperties"] {
                    walk(extra, root: root, instance: value, pointer: pointer.appending(name), into: &out, depth: depth + 1, seen: &seen)
                }
            }
        case .array(let a):
            let prefix = s["prefixItems"]?.arrayValue ?? []
            for (i, value) in a.enumerated() {
                if i < prefix.count {
                    walk(prefix[i], root: root, instance: value, pointer: pointer.appending(i), into: &out, depth: depth + 1, seen: &seen)
                } else if let items = s["items"] {
                    walk(items, root: root, instance: value, pointer: pointer.appending(i), into: &out, depth: depth + 1, seen: &seen)
                }
            }
        default:
            break
        }
    }

    private static func resolve(_ ref: String, in root: JSONValue) -> JSONValue? {
        let fragment = String(ref.dropFirst())
        guard let decoded = fragment.removingPercentEncoding, let p = JSONPointer(decoded) else { return nil }
        return root.value(at: p)
    }
}
