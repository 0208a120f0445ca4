import ArgumentParser
import Diagnostics
import Foundation
import JSONModel
import JSONSchema
import Spec

/// `xeroflow schema …`: JSON Schema tools for integrators.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "JSON Schema tools: validate sample data and payload fixtures against any schema.",
        subcommands: [SchemaValidateCommand.self]
    )
}

/// `xeroflow schema validate --schema FILE [--remote URI=DIR]… INSTANCE…`
struct SchemaValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate JSON or YAML documents against a JSON Schema (draft 2020-12).",
        discussion: """
            Exit 0 when every instance is valid, 1 when any is invalid (or unreadable), 78 when the \
            schema itself is invalid, 64 on a usage error. Remote $refs are never fetched: map their \
            URI prefixes to folders with --remote.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(name: .long, help: "The JSON Schema (JSON or YAML).")
    var schema: String

    @Option(name: .long, parsing: .singleValue, help: "Map a URI prefix to a folder for remote $refs: URI=DIR (repeatable).")
    var remote: [String] = []

    @Option(help: "Output format: text, or json (one object per instance and line).")
    var format: Format = .text

    @Flag(help: "Assert 'format' keywords (dates, emails, URIs, …) instead of treating them as annotations.")
    var formatAssertion = false

    @Argument(help: "Documents to validate (JSON or YAML).")
    var instances: [String]

    /// Data files may be larger than pipeline files.
    static let maxInstanceBytes = 64 * 1024 * 1024

    func validate() throws {
        if instances.isEmpty { throw ValidationError("give at least one INSTANCE file to validate") }
        for r in remote where !r.contains("=") {
            throw ValidationError("--remote takes URI=DIR, got '\(r)'")
        }
    }

    func run() throws {
        var remotes: [String: String] = [:]
        for r in remote {
            let parts = r.split(separator: "=", maxSplits: 1).map(String.init)
            remotes[parts[0]] = parts[1]
        }

        // The schema.
        guard FileManager.default.fileExists(atPath: schema) else {
            Console.err("xeroflow: no such file '\(schema)'\n")
            throw ExitCode.usage
        }
        let schemaDoc: LocatedDocument
        switch load(schema) {
        case .success(let doc): schemaDoc = doc
        case .failure(let d):
            Console.err(DiagnosticRenderer().text([d], fileCount: 1))
            throw ExitCode.invalidConfiguration
        }
        let validator: JSONSchemaValidator
        do {
            let base = URL(fileURLWithPath: schema).standardizedFileURL.absoluteString
            validator = try JSONSchemaValidator(schema: schemaDoc.value, baseURI: base, remotes: remotes, formatAssertion: formatAssertion)
        } catch {
            Console.err("\(schema): error: the schema is invalid: \(error) (invalid_schema)\n")
            throw ExitCode.invalidConfiguration
        }
        let metaErrors = JSONSchemaValidator.checkSchema(schemaDoc.value)
        if !metaErrors.isEmpty {
            var out = ""
            for e in metaErrors {
                out += "\(schemaDoc.location(of: e.instancePath)): error: the schema does not conform to the JSON Schema meta-schema: \(e.message) (invalid_schema)\n"
            }
            Console.err(out)
            throw ExitCode.invalidConfiguration
        }

        // The instances.
        var anyInvalid = false
        for path in instances {
            var errors: [(location: String, pointer: String, keyword: String, message: String)] = []
            switch load(path, limit: Self.maxInstanceBytes) {
            case .failure(let d):
                let loc = d.location.map { "\($0)" } ?? path
                errors.append((loc, "", d.id, d.message))
            case .success(let doc):
                for e in validator.validate(doc.value) {
                    errors.append(("\(doc.location(of: e.instancePath, preferKey: isKeyError(e)))", e.instancePath.description, e.keyword, e.message))
                }
            }
            if !errors.isEmpty { anyInvalid = true }
            switch format {
            case .json:
                let errs: [JSONValue] = errors.map {
                    .object(JSONObject([("instancePath", .string($0.pointer)), ("keyword", .string($0.keyword)), ("message", .string($0.message))]))
                }
                let obj = JSONValue.object(JSONObject([("instance", .string(path)), ("valid", .bool(errors.isEmpty)), ("errors", .array(errs))]))
                Console.out(JSONWriter.write(obj) + "\n")
            case .text:
                if errors.isEmpty {
                    Console.out("\(path): valid\n")
                } else {
                    var out = ""
                    for e in errors {
                        out += "\(e.location): error: \(e.message) (\(e.keyword))\(e.pointer.isEmpty ? "" : " at '\(e.pointer)'")\n"
                    }
                    Console.out(out)
                }
            }
        }
        if anyInvalid { throw ExitCode(ExitCodes.failure) }
    }

    private func isKeyError(_ e: JSONSchema.ValidationError) -> Bool {
        if case .unknownProperty = e.detail { return true }
        return false
    }

    enum Loaded {
        case success(LocatedDocument)
        case failure(Diagnostic)
    }

    /// Reads a JSON or YAML document with locations.
    private func load(_ path: String, limit: Int = 16 * 1024 * 1024) -> Loaded {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: limit)
        } catch {
            return .failure(.error("unreadable_file", "cannot read the file: \(error.localizedDescription)",
                                   at: SourceLocation(file: path, line: 1, column: 1)))
        }
        let reader = DocumentReader(maxBytes: limit, limits: YAMLLimits(maxDepth: 1_000, maxNodes: 20_000_000))
        switch reader.read(bytes: bytes, file: path) {
        case .document(let doc, _): return .success(doc)
        case .empty: return .failure(.error("empty_file", "the file is empty", at: SourceLocation(file: path, line: 1, column: 1)))
        case .failure(let d, _): return .failure(d)
        }
    }
}

