import Foundation
import JSONModel

/// A place in a loaded document: document index plus JSON Pointer tokens.
struct Location: Hashable {
    let doc: Int
    let pointer: [String]

    func appending(_ tokens: String...) -> Location {
        Location(doc: doc, pointer: pointer + tokens)
    }
}

/// Everything known about the schema documents: which URI names which resource, the anchors,
/// and each subschema's base URI and dialect. Documents are added as `$ref`s reach them
/// (caller-supplied documents, built-in meta-schemas, then the `remotes` folders).
struct SchemaRegistry {
    struct Document {
        let uri: String
        let value: JSONValue
    }

    struct LocationInfo {
        let base: String
        let dialect: Dialect
    }

    private(set) var documents: [Document] = []
    private(set) var resourcesByURI: [String: Location] = [:]
    private(set) var anchors: [String: Location] = [:]
    private(set) var dynamicAnchors: [String: [String: Location]] = [:]
    private var info: [Location: LocationInfo] = [:]
    private var extraDocuments: [String: JSONValue]
    private let remotes: [(prefix: String, folder: String)]
    private var dialectsInProgress: Set<String> = []

    init(documents: [String: JSONValue], remotes: [String: String]) {
        var extra: [String: JSONValue] = [:]
        for (uri, value) in documents { extra[SchemaRegistry.normalize(uri)] = value }
        self.extraDocuments = extra
        // Longest prefix first, so the most specific mapping wins.
        self.remotes = remotes.map { ($0.key, $0.value) }.sorted { $0.prefix.count > $1.prefix.count }
    }

    /// A URI without an empty trailing fragment.
    static func normalize(_ uri: String) -> String {
        uri.hasSuffix("#") ? String(uri.dropLast()) : uri
    }

    func value(at location: Location) -> JSONValue? {
        documents[location.doc].value.value(at: JSONPointer(tokens: location.pointer))
    }

    // MARK: - Loading

    /// Adds a document under `uri` and indexes its subschemas. Returns its index.
    @discardableResult
    mutating func addDocument(_ value: JSONValue, uri: String) throws(SchemaError) -> Int {
        let index = documents.count
        documents.append(Document(uri: uri, value: value))
        let root = Location(doc: index, pointer: [])
        if resourcesByURI[uri] == nil { resourcesByURI[uri] = root }
        var dialect = Dialect.draft2020
        if let meta = value["$schema"]?.stringValue {
            dialect = try self.dialect(forMetaSchema: meta)
        }
        try walk(root: value, location: root, base: uri, dialect: dialect)
        return index
    }

    /// Makes sure a document is known under `uri` (no fragment), loading it when needed.
    mutating func ensureLoaded(_ uri: String) throws(SchemaError) -> Bool {
        if resourcesByURI[uri] != nil { return true }
        if let value = extraDocuments.removeValue(forKey: uri) {
            try addDocument(value, uri: uri)
            return true
        }
        if let value = MetaSchemas.all[uri] {
            try addDocument(value, uri: uri)
            return true
        }
        for (prefix, folder) in remotes where uri.hasPrefix(prefix) {
            let rest = String(uri.dropFirst(prefix.count))
            guard !rest.split(separator: "/").contains("..") else { continue }
            let path = (folder as NSString).appendingPathComponent(rest)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SchemaError(message: "cannot read '\(path)' for the schema '\(uri)'")
            }
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes: [UInt8](data))
            } catch {
                throw SchemaError(message: "the schema '\(uri)' (\(path)) is not valid JSON: \(error)")
            }
            try addDocument(value, uri: uri)
            return true
        }
        return false
    }

    /// Adds every caller-supplied document, so `$id`s declared inside them are known up front.
    mutating func loadAllExtraDocuments() throws(SchemaError) {
        for uri in extraDocuments.keys.sorted() { _ = try ensureLoaded(uri) }
    }

    /// The dialect a `$schema` value selects.
    mutating func dialect(forMetaSchema meta: String) throws(SchemaError) -> Dialect {
        let uri = SchemaRegistry.normalize(meta)
        if let known = Dialect.wellKnown(uri) { return known }
        guard !dialectsInProgress.contains(uri) else { return .draft2020 }
        dialectsInProgress.insert(uri)
        defer { dialectsInProgress.remove(uri) }
        // An unknown meta-schema that cannot be found: assume 2020-12 rather than refuse.
        guard try ensureLoaded(uri), let location = resourcesByURI[uri], let metaValue = value(at: location) else {
            return .draft2020
        }
        var base = Dialect.draft2020
        if let parent = metaValue["$schema"]?.stringValue, SchemaRegistry.normalize(parent) != uri {
            base = try dialect(forMetaSchema: parent)
        }
        guard let vocabulary = metaValue["$vocabulary"]?.objectValue else { return base }
        var vocabularies: [String: Bool] = [:]
        for (name, required) in vocabulary {
            let isRequired = required.boolValue ?? false
            if isRequired && !Dialect.knownVocabularies.contains(name) {
                throw SchemaError(message: "the meta-schema '\(uri)' requires the vocabulary '\(name)', which this validator does not implement")
            }
            vocabularies[name] = isRequired
        }
        return base.restricted(to: vocabularies)
    }

    // MARK: - Indexing

    private static let singleSubschemas = [
        "additionalProperties", "additionalItems", "unevaluatedItems", "unevaluatedProperties", "contains",
        "propertyNames", "if", "then", "else", "not", "items", "contentSchema",
    ]
    private static let arraySubschemas = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    private static let mapSubschemas = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas", "dependencies"]

    /// Records base URI, dialect, `$id`s and anchors of every subschema under `root`
    /// (iteratively, so deep schemas cannot exhaust the stack).
    private mutating func walk(root: JSONValue, location: Location, base: String, dialect: Dialect) throws(SchemaError) {
        var stack: [(JSONValue, Location, String, Dialect)] = [(root, location, base, dialect)]
        while let (value, location, inheritedBase, inheritedDialect) = stack.popLast() {
            var base = inheritedBase
            var dialect = inheritedDialect
            guard case .object(let object) = value else {
                info[location] = LocationInfo(base: base, dialect: dialect)
                continue
            }
            let idKey = dialect.draft == .draft4 ? "id" : "$id"
            let id = object[idKey]?.stringValue
            if let meta = object["$schema"]?.stringValue, location.pointer.isEmpty || id != nil {
                dialect = try self.dialect(forMetaSchema: meta)
            }
            if let id {
                let reference = URIReference(id)
                if dialect.draft <= .draft7 && id.hasPrefix("#") {
                    register(anchor: String(id.dropFirst()), base: base, at: location)
                } else {
                    let resolved = reference.resolved(against: URIReference(base))
                    base = resolved.withoutFragment.description
                    if resourcesByURI[base] == nil { resourcesByURI[base] = location }
                    if let fragment = resolved.fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
                        register(anchor: fragment, base: base, at: location)
                    }
                }
            }
            if dialect.draft >= .draft2019, let anchor = object["$anchor"]?.stringValue {
                register(anchor: anchor, base: base, at: location)
            }
            if dialect.draft >= .draft2020, let anchor = object["$dynamicAnchor"]?.stringValue {
                register(anchor: anchor, base: base, at: location)
                dynamicAnchors[base, default: [:]][anchor] = location
            }
            info[location] = LocationInfo(base: base, dialect: dialect)

            for key in SchemaRegistry.singleSubschemas {
                if let child = object[key], child.isSchemaShaped {
                    stack.append((child, location.appending(key), base, dialect))
                }
            }
            for key in SchemaRegistry.arraySubschemas {
                if case .array(let items)? = object[key] {
                    for (i, child) in items.enumerated() where child.isSchemaShaped {
                        stack.append((child, location.appending(key, String(i)), base, dialect))
                    }
                }
            }
            for key in SchemaRegistry.mapSubschemas {
                if case .object(let members)? = object[key] {
                    for (name, child) in members where child.isSchemaShaped {
                        stack.append((child, location.appending(key, name), base, dialect))
                    }
                }
            }
        }
    }

    private mutating func register(anchor: String, base: String, at location: Location) {
        let key = base + "#" + anchor
        if anchors[key] == nil { anchors[key] = location }
    }

    /// Base URI and dialect of any location, including ones the index did not visit
    /// (a `$ref` pointer into an unknown keyword).
    func locationInfo(_ location: Location) -> LocationInfo {
        if let known = info[location] { return known }
        var tokens = location.pointer
        var suffix: [String] = []
        while !tokens.isEmpty, info[Location(doc: location.doc, pointer: tokens)] == nil {
            suffix.insert(tokens.removeLast(), at: 0)
        }
        let start = info[Location(doc: location.doc, pointer: tokens)]
            ?? LocationInfo(base: documents[location.doc].uri, dialect: .draft2020)
        var base = start.base
        var current = Location(doc: location.doc, pointer: tokens)
        for token in suffix {
            current = current.appending(token)
            if let id = value(at: current)?["$id"]?.stringValue, !id.hasPrefix("#") {
                base = URIReference(id).resolved(against: URIReference(base)).withoutFragment.description
            }
        }
        return LocationInfo(base: base, dialect: start.dialect)
    }

    // MARK: - References

    /// Resolves a `$ref`-style reference against `base` to a location, loading documents as needed.
    mutating func resolve(_ reference: String, base: String) throws(SchemaError) -> Location {
        let resolved = URIReference(reference).resolved(against: URIReference(base))
        let uri = resolved.withoutFragment.description
        let fragment = URIReference.percentDecoded(resolved.fragment ?? "")
        guard try ensureLoaded(uri), let root = resourcesByURI[uri] else {
            throw SchemaError(message: "cannot resolve the reference '\(reference)': no schema is known as '\(uri)'")
        }
        if fragment.isEmpty { return root }
        if fragment.hasPrefix("/") {
            guard let pointer = JSONPointer(fragment) else {
                throw SchemaError(message: "cannot resolve the reference '\(reference)': '\(fragment)' is not a JSON Pointer")
            }
            let target = Location(doc: root.doc, pointer: root.pointer + pointer.tokens)
            guard value(at: target) != nil else {
                throw SchemaError(message: "cannot resolve the reference '\(reference)': '\(uri)' has nothing at '\(fragment)'")
            }
            return target
        }
        guard let target = anchors[uri + "#" + fragment] else {
            throw SchemaError(message: "cannot resolve the reference '\(reference)': '\(uri)' declares no anchor '\(fragment)'")
        }
        return target
    }
}

extension JSONValue {
    var isSchemaShaped: Bool {
        switch self {
        case .object, .bool: return true
        default: return false
        }
    }
}
