import Diagnostics
import Foundation
import Planner
import Spec
import Testing

@Suite("Dependency graph")
struct DependencyGraphTests {
    @Test func cycleChainIsComplete() {
        var g = DependencyGraph()
        g.add("a", dependsOn: "c")
        g.add("b", dependsOn: "a")
        g.add("c", dependsOn: "b")
        g.add("d", dependsOn: "a")
        #expect(g.cycles() == [["a", "c", "b", "a"]])
        #expect(g.topologicalOrder() == nil)
    }

    @Test func selfLoopAndTwoCycles() {
        var g = DependencyGraph()
        g.add("x", dependsOn: "x")
        g.add("p", dependsOn: "q")
        g.add("q", dependsOn: "p")
        #expect(g.cycles() == [["x", "x"], ["p", "q", "p"]])
    }

    @Test func levelsRunIndependentBranchesTogether() {
        var g = DependencyGraph()
        g.add("contacts", dependsOn: "patients")
        g.add("invoices", dependsOn: "orders")
        g.add("push_contacts", dependsOn: "contacts")
        g.add("push_invoices", dependsOn: "invoices")
        g.add("push_invoices", dependsOn: "push_contacts")
        #expect(g.cycles().isEmpty)
        #expect(g.levels() == [["patients", "orders"], ["contacts", "invoices"], ["push_contacts"], ["push_invoices"]])
    }

    @Test func largeAcyclicGraphHasNoCycles() {
        var g = DependencyGraph()
        for i in 1..<5_000 { g.add("n\(i)", dependsOn: "n\(i - 1)") }
        #expect(g.cycles().isEmpty)
        #expect(g.topologicalOrder()?.first == "n0")
    }
}

@Suite("Interpolation syntax")
struct InterpolationTests {
    @Test func pieces() throws {
        let p = try Interpolation.parse("a${X}b${Y:-d e}$${Z}")
        #expect(p == [
            .literal("a"), .variable(.init(name: "X", defaultValue: nil, offset: 1, length: 4)),
            .literal("b"), .variable(.init(name: "Y", defaultValue: "d e", offset: 6, length: 9)),
            .literal("${Z}"),
        ])
    }

    @Test func errors() {
        #expect(throws: Interpolation.SyntaxError.self) { try Interpolation.parse("${1X}") }
        #expect(throws: Interpolation.SyntaxError.self) { try Interpolation.parse("abc ${X") }
        #expect(throws: Interpolation.SyntaxError.self) { try Interpolation.parse("${}") }
    }
}

@Suite("Suggestions and rendering")
struct RenderingTests {
    @Test func suggestions() {
        #expect(Suggestion.closest(to: "EmailAdress", in: ["EmailAddress", "Name"]) == "EmailAddress")
        #expect(Suggestion.closest(to: "sorces", in: ["sources", "steps", "targets"]) == "sources")
        #expect(Suggestion.closest(to: "nmae", in: ["name"]) == "name")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["name", "sources"]) == nil)
        #expect(Suggestion.closest(to: "CONTACTS", in: ["Contacts"]) == "Contacts")
    }

    let diagnostics = [
        Diagnostic(id: "unknown_field", severity: .error, message: "unknown field 'x, y'", location: SourceLocation(file: "p/a.yaml", line: 2, column: 3, length: 4), hint: "did you mean 'z'?"),
        Diagnostic(id: "unused_source", severity: .warning, message: "line one\nline two 100%", location: SourceLocation(file: "p/a.yaml", line: 1, column: 1)),
    ]

    @Test func text() {
        let out = DiagnosticRenderer(sources: ["p/a.yaml": "name: x\n  abcd: 1\n"]).text(diagnostics.normalized(), fileCount: 1)
        #expect(out == """
            p/a.yaml:1:1: warning: line one
            line two 100% (unused_source)
               1 | name: x
                 | ^
            p/a.yaml:2:3: error: unknown field 'x, y' (unknown_field)
               2 |   abcd: 1
                 |   ^~~~
               hint: did you mean 'z'?
            1 error, 1 warning in 1 file

            """)
    }

    @Test func json() throws {
        let out = DiagnosticRenderer().json(diagnostics, fileCount: 2)
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let list = obj?["diagnostics"] as? [[String: Any]]
        #expect(list?.count == 2)
        #expect(list?[0]["line"] as? Int == 2)
        #expect(list?[0]["endColumn"] as? Int == 7)
        #expect(list?[0]["hint"] as? String == "did you mean 'z'?")
        let summary = obj?["summary"] as? [String: Int]
        #expect(summary == ["errors": 1, "warnings": 1, "files": 2])
    }

    @Test func github() {
        let out = DiagnosticRenderer().github(diagnostics)
        #expect(out == """
            ::error file=p/a.yaml,line=2,col=3,endColumn=7,title=unknown_field::unknown field 'x, y'%0Ahint: did you mean 'z'?
            ::warning file=p/a.yaml,line=1,col=1,endColumn=2,title=unused_source::line one%0Aline two 100%25

            """)
    }
}
