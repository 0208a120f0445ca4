import Diagnostics
import JSONModel
import JSONSchema

/// Checks one pipeline file the way a compiler checks a source file: YAML syntax, then the
/// pipeline schema, then the semantic checks; every problem collected, sorted, de-duplicated.
///
/// Pure: it takes the file's bytes, a display path and the environment (for `${VAR}`); it never
/// reads files or the process environment itself.
public struct PipelineValidator: Sendable {
    public struct Options: Sendable {
        /// Values for `${VAR}` interpolation.
        public var environment: [String: String]
        /// Report undefined variables as warnings instead of errors (CI without secrets).
        public var allowMissingEnvironment: Bool

        public init(environment: [String: String] = [:], allowMissingEnvironment: Bool = false) {
            self.environment = environment
            self.allowMissingEnvironment = allowMissingEnvironment
        }
    }

    public struct Result: Sendable {
        public var file: String
        /// The file's text when it could be decoded (for quoting source lines).
        public var text: String?
        public var diagnostics: [Diagnostic]
        /// The decoded pipeline, present when the file parsed (even with schema errors).
        public var spec: PipelineSpec?
        public var document: LocatedDocument?
        /// The document after `${VAR}` interpolation.
        public var resolved: JSONValue?

        public var isValid: Bool { !diagnostics.hasErrors }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The text of schemas/pipeline.schema.json, embedded in the binary.
    public static var schemaText: String { PipelineSchemaText.json }

    /// The pipeline schema (schemas/pipeline.schema.json, embedded in the binary).
    public static let schema: JSONValue = {
        do { return try JSONParser.parse(PipelineSchemaText.json) } catch { return .bool(true) }
    }()

    /// Where the pipeline schema allows `${VAR}` and where it holds expressions, compiled once.
    static let annotationGraph = AnnotationGraph(schema)

    static let compiled: Swift.Result<JSONSchemaValidator, SchemaError> = {
        do throws(SchemaError) { return .success(try JSONSchemaValidator(schema: schema)) } catch { return .failure(error) }
    }()

    public func validate(bytes: [UInt8], file: String) -> Result {
        let outcome = DocumentReader().read(bytes: bytes, file: file)
        return validate(outcome, file: file)
    }

    public func validate(text: String, file: String) -> Result {
        validate(DocumentReader().read(text: text, file: file), file: file)
    }

    private func validate(_ outcome: DocumentReader.Outcome, file: String) -> Result {
        let document: LocatedDocument
        let text: String
        switch outcome {
        case .failure(let d, let t):
            return Result(file: file, text: t, diagnostics: [d])
        case .empty(let t):
            return Result(file: file, text: t, diagnostics: [.error(
                "empty_file", "the file is empty; a pipeline needs at least 'version', 'name', 'sources' and 'targets'",
                at: SourceLocation(file: file, line: 1, column: 1))])
        case .document(let doc, let t):
            document = doc
            text = t
        }
        guard case .object = document.value else {
            return Result(file: file, text: text, diagnostics: [.error(
                "type_mismatch",
                "a pipeline file must be a mapping of 'version', 'name', 'sources', 'targets', …; found \(Places.article(forType: document.value.typeName))",
                at: document.location(of: .root))], document: document)
        }

        var diagnostics: [Diagnostic] = []
        let annotations = SchemaAnnotations.collect(graph: Self.annotationGraph, instance: document.value)

        // Environment interpolation, where the schema allows it.
        var interpolator = Interpolator(document: document, annotations: annotations, options: options)
        let resolved = interpolator.run()
        diagnostics += interpolator.diagnostics

        // The schema.
        switch Self.compiled {
        case .success(let validator):
            let errors = validator.validate(resolved)
            // Values whose variables are undefined, and values a semantic check owns (cron),
            // would only repeat a more precise diagnostic.
            let owned = interpolator.unresolved.union([JSONPointer(tokens: ["schedule", "cron"])])
            diagnostics += SchemaDiagnostics(document: document, instance: resolved, secretPointers: interpolator.changed)
                .diagnostics(for: errors.filter { !owned.contains($0.instancePath) })
        case .failure(let e):
            diagnostics.append(.error("internal_error", "the built-in pipeline schema is invalid: \(e)", at: nil))
        }

        // Semantic checks on what could be decoded.
        let spec = PipelineDecoder.decode(resolved)
        var checks = PipelineChecks(spec: spec, document: document, expressionPointers: annotations.expressions)
        diagnostics += checks.run()

        return Result(file: file, text: text, diagnostics: diagnostics.normalized(), spec: spec, document: document, resolved: resolved)
    }
}

/// Applies `${VAR}` interpolation to a located document, collecting diagnostics.
struct Interpolator {
    let document: LocatedDocument
    let annotations: SchemaAnnotations
    let options: PipelineValidator.Options
    var diagnostics: [Diagnostic] = []
    /// Pointers whose value changed (their values may be secrets).
    var changed: Set<JSONPointer> = []
    /// Pointers left as written because a variable is undefined.
    var unresolved: Set<JSONPointer> = []

    init(document: LocatedDocument, annotations: SchemaAnnotations, options: PipelineValidator.Options) {
        self.document = document
        self.annotations = annotations
        self.options = options
    }

    mutating func run() -> JSONValue {
        transform(document.value, .root)
    }

    private mutating func transform(_ v: JSONValue, _ p: JSONPointer) -> JSONValue {
        switch v {
        case .string(let s):
            guard Self.hasDollarBrace(s) else { return v }
            if annotations.interpolated.contains(p) { return .string(expand(s, p)) }
            if Interpolation.mentionsVariable(s) {
                diagnostics.append(.warning(
                    "interpolation_not_allowed",
                    "'${…}' is not expanded in \(Places.describe(p)); environment variables are expanded only in connection settings, paths and URLs",
                    at: document.location(of: p), hint: "write '$${' for a literal '${' to silence this warning"))
            }
            return v
        case .array(let a):
            return .array(a.enumerated().map { transform($0.element, p.appending($0.offset)) })
        case .object(let o):
            var out = JSONObject()
            for (k, value) in o { out[k] = transform(value, p.appending(k)) }
            return .object(out)
        default:
            return v
        }
    }

    /// A byte scan for `${` (cheaper than Foundation's substring search on every string).
    static func hasDollarBrace(_ s: String) -> Bool {
        var previousWasDollar = false
        for b in s.utf8 {
            if previousWasDollar && b == UInt8(ascii: "{") { return true }
            previousWasDollar = b == UInt8(ascii: "$")
        }
        return false
    }

    private mutating func expand(_ s: String, _ p: JSONPointer) -> String {
        let pieces: [Interpolation.Piece]
        do {
            pieces = try Interpolation.parse(s)
        } catch {
            diagnostics.append(.error("invalid_interpolation", error.message,
                at: document.location(of: p, characterOffset: error.offset, length: error.length),
                hint: "write ${NAME} or ${NAME:-default}; '$${' is a literal '${'"))
            return s
        }
        var out = ""
        var missing = false
        for piece in pieces {
            switch piece {
            case .literal(let t): out += t
            case .variable(let r):
                if let value = options.environment[r.name] {
                    out += value
                    changed.insert(p)
                } else if let d = r.defaultValue {
                    out += d
                } else {
                    let loc = document.location(of: p, characterOffset: r.offset, length: r.length)
                    let message = "environment variable '\(r.name)' is not set"
                    let hint = "set \(r.name), or give a default with ${\(r.name):-value}"
                    diagnostics.append(options.allowMissingEnvironment
                        ? .warning("undefined_variable", message, at: loc, hint: hint)
                        : .error("undefined_variable", message, at: loc, hint: hint))
                    missing = true
                }
            }
        }
        if missing {
            unresolved.insert(p)
            changed.remove(p)
            return s
        }
        return out
    }
}
