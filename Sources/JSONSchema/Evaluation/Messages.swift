import JSONModel

/// Plain-English pieces of validation messages.
enum Messages {
    /// "a string", "an integer", "null".
    static func typeName(_ name: String) -> String {
        name == "null" ? "null" : name.withArticle
    }

    /// "a string", "a string or null", "a string, a number or null".
    static func list(_ items: [String], conjunction: String = "or") -> String {
        switch items.count {
        case 0: return "nothing"
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
        }
    }

    /// Compact JSON for a value, shortened past `limit` characters.
    static func value(_ v: JSONValue, limit: Int = 60) -> String {
        let text = JSONWriter.write(v)
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    static func plural(_ n: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : (pluralForm ?? singular + "s"))
    }
}
