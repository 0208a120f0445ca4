import Engine
import Foundation
import JSONModel
import Spec
import Testing

/// Steps run on records, through a pipeline file as integrators write them.
@Suite("Engine steps")
struct StepTests {
    static func spec(_ yaml: String) throws -> PipelineSpec {
        let result = PipelineValidator(options: .init(allowMissingEnvironment: true)).validate(text: yaml, file: "test.yaml")
        #expect(result.isValid, "\(result.diagnostics)")
        return try #require(result.spec)
    }

    static let pipeline = """
        version: 1
        name: shop
        xero: { connection: sandbox }
        sources:
          items: { csv: items.csv }
          notes: { csv: notes.csv }
        lookups:
          accounts: { food: "200", books: "260" }
        steps:
          invoices:
            from: items
            filter: status != "cancelled"
            join: { with: notes, on: order, equals: order, as: note }
            group: { by: order, into: lines }
            map:
              InvoiceNumber: '"INV-" & order'
              Total: $sum(lines.(qty * price))
              Account: $lookup($accounts, lines[0].kind)
              Note: note.text
              Missing: nothing_here
            set: { Type: ACCREC }
          fanned:
            from: items
            explode: { each: tags, as: tag }
            dedupe: { by: tag, keep: last }
        targets:
          out: { from: invoices, file: out.jsonl }
          out2: { from: fanned, file: out2.jsonl }
        """

    static let items: [JSONValue] = [
        ["order": "1", "qty": 2, "price": .number(JSONNumber(literal: "0.10")!), "kind": "food", "status": "ok", "tags": ["a", "b"]],
        ["order": "2", "qty": 1, "price": .number(JSONNumber(literal: "9.99")!), "kind": "books", "status": "cancelled", "tags": ["b"]],
        ["order": "1", "qty": 1, "price": .number(JSONNumber(literal: "0.20")!), "kind": "food", "status": "ok", "tags": []],
        ["order": "3", "qty": 3, "price": 5, "kind": "books", "status": "ok", "tags": ["c", "a"]],
    ]

    @Test("filter, join, group, map, set in that order; exact money; undefined fields left out")
    func invoicePipeline() throws {
        let spec = try Self.spec(Self.pipeline)
        let step = try CompiledStep(spec.steps.first { $0.name == "invoices" }!)
        let (records, failures) = step.run(Self.items, bindings: ["accounts": ["food": "200", "books": "260"]],
                                           joined: [["order": "3", "text": "gift wrap"]])
        #expect(failures.isEmpty)
        #expect(records == [
            ["InvoiceNumber": "INV-1", "Total": .number(JSONNumber(literal: "0.4")!), "Account": "200", "Type": "ACCREC"],
            ["InvoiceNumber": "INV-3", "Total": 15, "Account": "260", "Note": "gift wrap", "Type": "ACCREC"],
        ])
    }

    @Test("explode fans out one record per element; dedupe keeps the last of each key at its position")
    func explodeAndDedupe() throws {
        let spec = try Self.spec(Self.pipeline)
        let step = try CompiledStep(spec.steps.first { $0.name == "fanned" }!)
        let (records, _) = step.run(Self.items, bindings: [:])
        #expect(records.map { $0["tag"]?.stringValue ?? "" } == ["a", "b", "c"])
        #expect(records.first?["order"] == "3")  // the last "a" came from order 3
    }

    @Test("a record whose expression fails is set apart with the part and YAML pointer; the others go on")
    func failingRecord() throws {
        let spec = try Self.spec(Self.pipeline.replacingOccurrences(of: "Total: $sum(lines.(qty * price))", with: "Total: '$sum(lines.(qty * price)) + $number(order = \"3\" ? \"x\" : \"0\")'"))
        let step = try CompiledStep(spec.steps.first { $0.name == "invoices" }!)
        let (records, failures) = step.run(Self.items, bindings: [:])
        #expect(records.count == 1)
        #expect(failures.count == 1)
        #expect(failures.first?.part == "map.Total")
        #expect(failures.first?.pointer.description == "/steps/invoices/map/Total")
    }
}
