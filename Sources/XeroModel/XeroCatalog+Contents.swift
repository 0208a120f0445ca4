import JSONModel

/// A problem in the embedded schema files (a generator or build defect, never user input).
struct XeroCatalogError: Error, CustomStringConvertible {
    let file: String
    let message: String

    var description: String { "\(file): \(message)" }
}

extension XeroCatalog {
    /// Everything the catalog knows, built from the schema files' texts.
    struct Contents: Sendable {
        let endpoints: [String: XeroEndpoint]
        let objects: [String: XeroObjectSchema]
        let objectNames: [String]
        /// Schema documents by `$id`.
        let documents: [String: JSONValue]

        init(files: [String: String]) throws {
            var parsed: [String: JSONValue] = [:]
            for (name, text) in files {
                do {
                    parsed[name] = try JSONParser.parse(text)
                } catch {
                    throw XeroCatalogError(file: name, message: error.description)
                }
            }

            var documents: [String: JSONValue] = [:]
            for (name, document) in parsed where name.hasSuffix(XeroSchemas.schemaSuffix) {
                guard let id = document["$id"]?.stringValue, id == XeroSchemas.baseURI + name else {
                    throw XeroCatalogError(file: name, message: "$id is not \(XeroSchemas.baseURI + name)")
                }
                documents[id] = document
            }
            self.documents = documents

            var objects: [String: XeroObjectSchema] = [:]
            for (fileName, document) in parsed
            where fileName.hasSuffix(XeroSchemas.schemaSuffix) && fileName != XeroSchemas.enumsFileName {
                let schema = try Contents.objectSchema(fileName: fileName, document: document, files: parsed)
                objects[schema.name] = schema
            }
            self.objects = objects
            self.objectNames = objects.keys.sorted()

            guard let table = parsed[XeroSchemas.endpointsFileName]?.objectValue else {
                throw XeroCatalogError(file: XeroSchemas.endpointsFileName, message: "missing or not an object")
            }
            var endpoints: [String: XeroEndpoint] = [:]
            for (name, entry) in table {
                guard let objectName = entry["object"]?.stringValue, objects[objectName] != nil else {
                    throw XeroCatalogError(file: XeroSchemas.endpointsFileName, message: "\(name): unknown object")
                }
                endpoints[name] = XeroEndpoint(
                    name: name,
                    objectName: objectName,
                    canRead: entry["read"]?.boolValue ?? false,
                    canCreate: entry["create"]?.boolValue ?? false,
                    canUpdate: entry["update"]?.boolValue ?? false,
                    matchFields: entry["match"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                    idField: entry["id"]?.stringValue,
                    listKey: entry["list_key"]?.stringValue ?? name
                )
            }
            self.endpoints = endpoints
        }

        private static func objectSchema(
            fileName: String, document: JSONValue, files: [String: JSONValue]
        ) throws -> XeroObjectSchema {
            let name = String(fileName.dropLast(XeroSchemas.schemaSuffix.count))
            guard let properties = document["properties"]?.objectValue else {
                throw XeroCatalogError(file: fileName, message: "no properties")
            }
            let required = document["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            var fields: [String: XeroField] = [:]
            for (fieldName, property) in properties {
                fields[fieldName] = try field(
                    named: fieldName, property: property, required: required.contains(fieldName),
                    fileName: fileName, files: files)
            }
            let onCreate = try strings(
                document["x-required-on-create"], key: "x-required-on-create", fileName: fileName)
            var oneOf: [[String]] = []
            if let groups = document["x-required-one-of-on-create"] {
                guard let array = groups.arrayValue else {
                    throw XeroCatalogError(file: fileName, message: "x-required-one-of-on-create is not an array")
                }
                oneOf = try array.map {
                    try strings($0, key: "x-required-one-of-on-create", fileName: fileName)
                }
            }
            for field in onCreate + oneOf.joined() where fields[field] == nil {
                throw XeroCatalogError(file: fileName, message: "required on create \(field) is not a field")
            }
            return XeroObjectSchema(
                name: name, fileName: fileName, document: document, fields: fields,
                fieldOrder: properties.keys, required: required, requiredOnCreate: onCreate,
                requiredOneOfOnCreate: oneOf)
        }

        /// An array of strings, or [] when the key is absent.
        private static func strings(_ value: JSONValue?, key: String, fileName: String) throws -> [String] {
            guard let value else { return [] }
            guard let array = value.arrayValue else {
                throw XeroCatalogError(file: fileName, message: "\(key) is not an array")
            }
            return try array.map {
                guard let s = $0.stringValue else {
                    throw XeroCatalogError(file: fileName, message: "\(key) holds a non-string")
                }
                return s
            }
        }

        private static func field(
            named name: String, property: JSONValue, required: Bool, fileName: String,
            files: [String: JSONValue]
        ) throws -> XeroField {
            let shape = try Shape(property, fileName: fileName, files: files)
            var objectRef = shape.objectRef
            var enumValues = shape.enumValues
            if shape.types.contains("array"), let items = property["items"] {
                let element = try Shape(items, fileName: fileName, files: files)
                objectRef = objectRef ?? element.objectRef
                enumValues = enumValues ?? element.enumValues
            }
            return XeroField(
                name: name,
                types: shape.types,
                isReadOnly: property["readOnly"]?.boolValue ?? false,
                isRequired: required,
                isMoney: property["x-money"]?.boolValue ?? false,
                enumValues: enumValues,
                objectRef: objectRef,
                isArray: shape.types.contains("array"),
                description: property["description"]?.stringValue ?? shape.description
            )
        }
    }

    /// The type, enumeration and object a property schema stands for, following one `$ref`.
    private struct Shape {
        var types: [String] = []
        var enumValues: [String]?
        var objectRef: String?
        var description: String?

        init(_ schema: JSONValue, fileName: String, files: [String: JSONValue]) throws {
            if let ref = schema["$ref"]?.stringValue {
                let (file, fragment) = Shape.split(ref)
                guard let document = files[file],
                    let pointer = JSONPointer(fragment),
                    let target = document.value(at: pointer)
                else {
                    throw XeroCatalogError(file: fileName, message: "unresolvable $ref \(ref)")
                }
                if file != XeroSchemas.enumsFileName {
                    objectRef = String(file.dropLast(XeroSchemas.schemaSuffix.count))
                }
                types = Shape.types(of: target)
                enumValues = Shape.strings(target["enum"])
                description = target["description"]?.stringValue
            }
            // The schema's own keywords refine what the ref said.
            let own = Shape.types(of: schema)
            if !own.isEmpty { types = own }
            if let values = Shape.strings(schema["enum"]) { enumValues = values }
        }

        /// `enums.schema.json#/$defs/CurrencyCode` → (`enums.schema.json`, `/$defs/CurrencyCode`).
        static func split(_ ref: String) -> (String, String) {
            guard let hash = ref.firstIndex(of: "#") else { return (ref, "") }
            return (String(ref[..<hash]), String(ref[ref.index(after: hash)...]))
        }

        static func types(of schema: JSONValue) -> [String] {
            switch schema["type"] {
            case .string(let t)?: return [t]
            case .array(let ts)?: return ts.compactMap(\.stringValue)
            default: return []
            }
        }

        static func strings(_ value: JSONValue?) -> [String]? {
            value?.arrayValue?.compactMap(\.stringValue)
        }
    }
}
