import Diagnostics
import Expressions
import JSONModel
import PipelineExpressions

/// Parses every JSONata expression of a pipeline (where the schema says `x-expression`) and
/// checks the functions and variables it uses, pointing at the exact column of the token.
struct ExpressionChecks {
    let document: LocatedDocument
    let pointers: Set<JSONPointer>
    let lookups: [String]

    func run() -> [Diagnostic] {
        var out: [Diagnostic] = []
        let knownVariables = Set(lookups + PipelineFunctions.contextVariables)
        let environment = PipelineFunctions.environment
        for p in pointers.sorted() {
            guard let text = document.value.value(at: p)?.stringValue else { continue }
            let expression: Expression
            do {
                expression = try Expression(text)
            } catch {
                let offset = min(max(0, error.position ?? 0), max(0, text.count - 1))
                let length = max(1, error.token?.count ?? 1)
                out.append(.error(
                    "invalid_expression", "invalid JSONata expression: \(error.message) (\(error.code))",
                    at: document.location(of: p, characterOffset: offset, length: length)))
                continue
            }
            let local = PipelineFunctions.locallyBoundNames(in: text)
            for r in expression.references {
                if r.name.isEmpty || r.name == "$" || local.contains(r.name) { continue }
                let loc = document.location(of: p, characterOffset: r.offset, length: r.length)
                if r.isCall {
                    if environment.isKnownFunction(r.name) || knownVariables.contains(r.name) { continue }
                    let hint = Suggestion.closest(to: r.name, in: PipelineFunctions.allFunctionNames).map { "did you mean '$\($0)'?" }
                    out.append(.error("unknown_function", "'$\(r.name)' is not a JSONata or pipeline function", at: loc, hint: hint))
                } else if !knownVariables.contains(r.name) && !environment.isKnownFunction(r.name) {
                    let before = text.prefix(r.offset)
                    let isLookupTable = before.range(of: #"\$lookup\(\s*$"#, options: .regularExpression) != nil
                    let candidates = isLookupTable ? lookups : Array(knownVariables)
                    let hint = Suggestion.closest(to: r.name, in: candidates).map { "did you mean '$\($0)'?" }
                        ?? (lookups.isEmpty ? (isLookupTable ? "define it under 'lookups:'" : nil)
                            : "defined lookups: \(Places.quoteList(lookups.map { "$" + $0 }, conjunction: "and"))")
                    if isLookupTable {
                        out.append(.error("unknown_lookup", "'$\(r.name)' is not a lookup of this pipeline", at: loc, hint: hint))
                    } else {
                        out.append(.error("unknown_variable", "'$\(r.name)' is not defined: pipeline expressions know their lookups, '$pipeline' and '$run'", at: loc, hint: hint))
                    }
                }
            }
        }
        return out
    }
}
