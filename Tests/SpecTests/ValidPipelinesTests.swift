import Diagnostics
import Foundation
import Spec
import Testing

@Suite("Valid pipelines")
struct ValidPipelinesTests {
    static let fixtures = Paths.files(in: Paths.fixtures.appendingPathComponent("valid")).map(\.lastPathComponent)
    static let examples = Paths.files(in: Paths.pipelines).map(\.lastPathComponent)

    @Test("valid fixture has no errors", arguments: fixtures)
    func validFixture(_ name: String) {
        let url = Paths.fixtures.appendingPathComponent("valid").appendingPathComponent(name)
        let r = PipelineValidator(options: .init(environment: fixtureEnvironment)).validate(bytes: Paths.bytes(url), file: name)
        #expect(r.diagnostics.errorCount == 0, "\(r.diagnostics.map { "\($0.location.map { "\($0)" } ?? ""): \($0.message)" })")
    }

    @Test("the examples in pipelines/ exist")
    func examplesExist() {
        #expect(Self.examples.count >= 6)
    }

    @Test("example pipeline validates with no errors or warnings", arguments: examples)
    func example(_ name: String) {
        let url = Paths.pipelines.appendingPathComponent(name)
        let r = PipelineValidator(options: .init(environment: [:])).validate(bytes: Paths.bytes(url), file: "pipelines/\(name)")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map { "\($0.location.map { "\($0)" } ?? ""): \($0.message) (\($0.id))" })")
        let text = String(decoding: Paths.bytes(url), as: UTF8.self)
        #expect(text.hasPrefix("# yaml-language-server: $schema=../schemas/pipeline.schema.json"))
    }

    @Test("the embedded pipeline schema matches schemas/pipeline.schema.json")
    func embeddedSchemaIsCurrent() throws {
        let onDisk = try String(contentsOf: Paths.schemas.appendingPathComponent("pipeline.schema.json"), encoding: .utf8)
        let embedded = PipelineValidator.schemaText
        #expect(onDisk == embedded, "run scripts/embed-pipeline-schema.sh")
    }

    @Test("the valid JSON-way scalars resolve as JSON would")
    func jsonWayScalars() throws {
        let url = Paths.fixtures.appendingPathComponent("valid/json_way_scalars.yaml")
        let r = PipelineValidator().validate(bytes: Paths.bytes(url), file: "x.yaml")
        let countries = try #require(r.spec?.lookup(named: "countries")?.table)
        #expect(countries.keys == ["NO", "yes", "off", "2026-01-01", "0200"])
        #expect(countries["NO"] == "Norway")
        #expect(countries["off"] == "off")
        let codes = try #require(r.spec?.lookup(named: "codes")?.table)
        #expect(codes["a"] == "0200")
        #expect(codes["b"] == "1_000")
        #expect(codes["c"] == "2026-01-01")
        #expect(codes["d"] == "NO")
        #expect(codes["e"] == .null)
        #expect(codes["f"]?.numberValue?.decimal == Decimal(string: "12.5"))
        #expect(codes["g"] == true)
    }

    @Test("merge keys bring anchored settings in, explicit keys win")
    func mergeKeys() throws {
        let url = Paths.fixtures.appendingPathComponent("valid/anchors_and_merge.yaml")
        let r = PipelineValidator().validate(bytes: Paths.bytes(url), file: "x.yaml")
        let contacts = try #require(r.spec?.target(named: "push_contacts"))
        let invoices = try #require(r.spec?.target(named: "push_invoices"))
        #expect(contacts.batchSize == 25)
        #expect(invoices.batchSize == 50)
        #expect(invoices.mode == .upsert)
        #expect(invoices.after.map(\.name) == ["push_contacts"])
    }

    @Test("interpolation expands allowed strings and keeps expressions literal")
    func interpolation() throws {
        let url = Paths.fixtures.appendingPathComponent("valid/interpolation.yaml")
        let r = PipelineValidator(options: .init(environment: fixtureEnvironment)).validate(bytes: Paths.bytes(url), file: "x.yaml")
        #expect(r.diagnostics.isEmpty)
        let spec = try #require(r.spec)
        #expect(spec.xero.connection == "sandbox")
        #expect(spec.xero.tenant == "Demo Company (UK)")
        #expect(spec.source(named: "orders")?.location == "https://api.example.com/acme/orders")
        #expect(spec.source(named: "orders")?.headers["Authorization"] == "Bearer s3cr3t-token-value")
        #expect(spec.target(named: "export")?.location == "out/acme.jsonl")
        #expect(spec.step(named: "tagged")?.map.first?.expression.text == "\"$${literal}\"")
    }

    @Test("undefined variables can be downgraded to warnings for CI without secrets")
    func allowMissingEnvironment() {
        let url = Paths.fixtures.appendingPathComponent("valid/interpolation.yaml")
        let strict = PipelineValidator(options: .init(environment: [:])).validate(bytes: Paths.bytes(url), file: "x.yaml")
        #expect(strict.diagnostics.filter { $0.id == "undefined_variable" }.count == 4)
        #expect(strict.diagnostics.hasErrors)
        let lenient = PipelineValidator(options: .init(environment: [:], allowMissingEnvironment: true))
            .validate(bytes: Paths.bytes(url), file: "x.yaml")
        #expect(!lenient.diagnostics.hasErrors)
        #expect(lenient.diagnostics.warningCount == 4)
    }

    @Test("secrets from the environment never appear in diagnostics")
    func secretsNotShown() {
        let yaml = """
            version: 1
            name: secret
            sources:
              db: { postgres: "${XF_DSN}" }
            xero: { start_date: "${XF_START}" }
            targets:
              t: { from: db, file: out.jsonl }
            """
        let env = ["XF_DSN": "postgres://user:hunter2@db/x", "XF_START": "hunter2-not-a-date"]
        let r = PipelineValidator(options: .init(environment: env)).validate(text: yaml, file: "s.yaml")
        #expect(r.diagnostics.hasErrors)  // the start date is not a date
        let rendered = DiagnosticRenderer(sources: ["s.yaml": yaml]).text(r.diagnostics, fileCount: 1)
            + DiagnosticRenderer().json(r.diagnostics, fileCount: 1)
        #expect(!rendered.contains("hunter2"))
    }
}

@Suite("README")
struct ReadmeTests {
    /// The tour's pipeline is valid as printed, and the broken copy gives the diagnostics shown.
    @Test func tourPipelineAndItsDiagnostics() throws {
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let yaml = try #require(readme.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let clean = PipelineValidator().validate(text: yaml, file: "pipelines/clinic.yaml")
        #expect(clean.diagnostics.isEmpty, "\(clean.diagnostics.map(\.message))")

        let broken = yaml.replacingOccurrences(of: "      EmailAddress: email", with: "      EmailAdress: email")
            .replacingOccurrences(of: "Type: ACCREC", with: "Type: ACCRCE")
        let r = PipelineValidator().validate(text: broken, file: "pipelines/clinic.yaml")
        let rendered = DiagnosticRenderer(sources: ["pipelines/clinic.yaml": broken]).text(r.diagnostics, fileCount: 1)
        let shown = try #require(readme.components(separatedBy: "$ xeroflow validate pipelines/clinic.yaml\n").dropFirst().first?
            .components(separatedBy: "```").first)
        #expect(rendered == shown)
    }
}
