import Foundation
import JSONModel
import XeroModel

/// Shapes request elements and responses by the schemas generated from Xero's OpenAPI spec:
/// unknown members are dropped (Xero ignores them), scalars are coerced the way Xero reads them
/// (`"12.50"` for a number, `123` for a string), dates are normalised to `/Date(ms+0000)/`, and
/// enumeration values are checked.
enum XeroShape {
    struct Field {
        var name: String
        var types: [String]
        var isDate: Bool
        var enumValues: [String]?
        var objectRef: String?
        var isArray: Bool
        var isReadOnly: Bool
    }

    static let objects: [String: [String: Field]] = {
        var out: [String: [String: Field]] = [:]
        for name in XeroCatalog.objectNames {
            guard let schema = XeroCatalog.object(named: name) else { continue }
            var fields: [String: Field] = [:]
            for (fname, f) in schema.fields {
                let prop = schema.document["properties"]?[fname]
                let isDate = prop?["x-xero-date"]?.boolValue == true
                fields[fname] = Field(name: fname, types: f.types, isDate: isDate, enumValues: f.enumValues,
                                      objectRef: f.objectRef, isArray: f.isArray, isReadOnly: f.isReadOnly)
            }
            out[name] = fields
        }
        return out
    }()

    /// Members the sandbox computes, whatever the spec says of them.
    static let computedOnly: Set<String> = [
        "AppliedAmount", "RemainingCredit", "Allocations", "StatusAttributeString", "ValidationErrors", "Warnings",
        "HasErrors", "HasValidationErrors", "AmountDue", "AmountPaid", "AmountCredited", "FullyPaidOnDate", "IsDiscounted",
    ]

    /// An element of a request, shaped as `object`; problems come back as Xero-style messages.
    static func input(_ value: JSONValue, as object: String, errors: inout [String]) -> JSONObject {
        guard case .object(let o) = value else {
            errors.append("A \(object) must be an object")
            return [:]
        }
        return shapeObject(o, object, errors: &errors, depth: 0)
    }

    private static func shapeObject(_ o: JSONObject, _ object: String, errors: inout [String], depth: Int) -> JSONObject {
        guard let fields = objects[object], depth < 16 else { return [:] }
        var out = JSONObject()
        for (key, value) in o {
            // Xero matches member names case-insensitively.
            guard let field = fields[key] ?? fields.values.first(where: { $0.name.lowercased() == key.lowercased() }) else { continue }
            if value.isNull { continue }
            // Xero sets these; what a request sends for them is ignored (totals are kept only to
            // be checked against the lines).
            if field.isReadOnly && !["SubTotal", "TotalTax", "Total", "BankTransferID"].contains(field.name) { continue }
            if computedOnly.contains(field.name) { continue }
            if let shaped = shapeValue(value, field, errors: &errors, depth: depth) {
                out[field.name] = shaped
            }
        }
        return out
    }

    private static func shapeValue(_ value: JSONValue, _ field: Field, errors: inout [String], depth: Int) -> JSONValue? {
        if field.isArray {
            guard case .array(let items) = value else {
                errors.append("'\(field.name)' must be a list")
                return nil
            }
            var single = field
            single.isArray = false
            return .array(items.compactMap { shapeValue($0, single, errors: &errors, depth: depth + 1) })
        }
        if let ref = field.objectRef {
            if objects[ref] != nil {
                guard case .object(let o) = value else {
                    errors.append("'\(field.name)' must be an object")
                    return nil
                }
                return .object(shapeObject(o, ref, errors: &errors, depth: depth + 1))
            }
        }
        if field.isDate {
            guard let text = value.stringValue, let ms = XeroWire.millis(text) else {
                errors.append("'\(value.stringValue ?? JSONWriter.write(value))' is not a valid date for \(field.name); use YYYY-MM-DD or /Date(ms)/")
                return nil
            }
            return .string("/Date(\(ms)+0000)/")
        }
        var v = value
        if field.types.contains("string"), !field.types.contains("number") {
            switch value {
            case .number(let n): v = .string(n.jsonText)
            case .bool(let b): v = .string(b ? "true" : "false")
            case .string: break
            default:
                errors.append("'\(field.name)' must be text")
                return nil
            }
        } else if field.types.contains("number") || field.types.contains("integer") {
            if case .string = value {
                guard let d = Money.decimal(value) else {
                    errors.append("'\(value.stringValue!)' is not a valid number for \(field.name)")
                    return nil
                }
                v = Money.json(d)
            } else if case .number = value {
            } else {
                errors.append("'\(field.name)' must be a number")
                return nil
            }
            // Xero's amounts fit in 13 digits before the point; larger values would overflow the
            // arithmetic that follows.
            if let d = Money.decimal(v), d.isNaN || abs(d) >= Decimal(string: "1e13")! {
                errors.append("\(field.name) \(JSONWriter.write(v)) is too large")
                return nil
            }
        } else if field.types.contains("boolean") {
            switch value {
            case .bool: break
            case .string(let s) where s.lowercased() == "true" || s.lowercased() == "false": v = .bool(s.lowercased() == "true")
            default:
                errors.append("'\(field.name)' must be true or false")
                return nil
            }
        }
        if let allowed = field.enumValues, let s = v.stringValue {
            if let match = allowed.first(where: { $0.lowercased() == s.lowercased() }) {
                v = .string(match)
            } else {
                errors.append("'\(s)' is not a valid value for \(field.name)")
                return nil
            }
        }
        return v
    }
}
