// ExpressionBench: times our JSONata engine (the `Expressions` target) on one input document,
// with parsing/compiling and evaluation measured apart. Never run by CI; see bench/README.md.
//
//   ExpressionBench --data invoices.json [--n 30] [--parse-n 200] [--warmup 3] [--out DIR] a.jsonata b.jsonata …
//   ExpressionBench --data record.json --prepared --batch 1000 --n 200 field.jsonata
//
// For each expression file: `warmup` untimed compiles and evaluations, then `parse-n` timed
// `Expression(text)` and `n` timed `evaluate(input)` (input already read into a JSONValue, as a
// pipeline holds it; the result stays a JSONValue, it is not written as text). Times come from
// ContinuousClock, one reading per iteration. With --prepared the expression is prepared once
// and each evaluation reuses it, as a pipeline's step does for its records; with --batch K each
// timed sample is K evaluations and reports the time of one (for expressions too quick to time
// one at a time). Prints one JSON object per run on stdout; with
// --out, writes each result as JSON text to DIR/<name>.json for the cross-engine comparison.
import Expressions
import Foundation
import JSONModel

// Foundation has an `Expression` type too.
typealias JSONata = Expressions.Expression

struct Options {
    var data = ""
    var n = 30
    var parseN = 200
    var warmup = 3
    var out: String?
    var prepared = false
    var batch = 1
    var expressions: [String] = []
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ExpressionBench: \(message)\n".utf8))
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let s = args.popFirst() else { fail("\(flag) needs a value") }
        return s
    }
    func int(_ flag: String) -> Int {
        guard let s = args.popFirst(), let v = Int(s), v > 0 else { fail("\(flag) needs a positive integer") }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--data": o.data = value(a)
        case "--n": o.n = int(a)
        case "--parse-n": o.parseN = int(a)
        case "--warmup": o.warmup = int(a)
        case "--out": o.out = value(a)
        case "--prepared": o.prepared = true
        case "--batch": o.batch = int(a)
        default:
            if a.hasPrefix("--") { fail("unknown option \(a)") }
            o.expressions.append(a)
        }
    }
    if o.data.isEmpty || o.expressions.isEmpty { fail("usage: ExpressionBench --data FILE [--n N] [--parse-n N] [--warmup N] [--out DIR] EXPR.jsonata…") }
    return o
}

func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

/// Summary of one series of timings, in milliseconds.
func summary(_ samples: [Double]) -> JSONValue {
    let s = samples.sorted()
    let n = s.count
    let median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    let mean = s.reduce(0, +) / Double(n)
    let sd = n > 1 ? (s.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot() : 0
    func ms(_ x: Double) -> JSONValue { .number(JSONNumber(x * 1000)) }
    var o = JSONObject()
    o["n"] = .number(JSONNumber(n))
    o["median_ms"] = ms(median)
    o["mean_ms"] = ms(mean)
    o["stddev_ms"] = ms(sd)
    o["min_ms"] = ms(s[0])
    o["max_ms"] = ms(s[n - 1])
    return .object(o)
}

func read(_ path: String) -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return [UInt8](d)
}

let options = parseOptions()
let clock = ContinuousClock()
let t0 = clock.now
let input: JSONValue
do { input = try JSONParser.parse(bytes: read(options.data)) } catch { fail("\(options.data): \(error)") }
let loadSeconds = seconds(t0.duration(to: clock.now))

var sink = 0  // keeps the optimiser from dropping work whose result is otherwise unused
for path in options.expressions {
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    guard let text = String(bytes: read(path), encoding: .utf8) else { fail("\(path) is not UTF-8") }

    var compiled: JSONata
    do {
        compiled = try JSONata(text)
        for _ in 0..<options.warmup { compiled = try JSONata(text) }
    } catch { fail("\(path): \(error)") }
    var parse: [Double] = []
    parse.reserveCapacity(options.parseN)
    for _ in 0..<options.parseN {
        let start = clock.now
        let e = try! JSONata(text)
        parse.append(seconds(start.duration(to: clock.now)))
        sink &+= e.references.count
    }

    var result: JSONValue?
    let prepared = options.prepared ? compiled.prepared() : nil
    func evaluate() throws(ExpressionError) -> JSONValue? {
        if let prepared { return try prepared.evaluate(input) }
        return try compiled.evaluate(input)
    }
    do {
        for _ in 0..<options.warmup { result = try evaluate() }
    } catch { fail("\(path): \(error)") }
    var eval: [Double] = []
    eval.reserveCapacity(options.n)
    for _ in 0..<options.n {
        let start = clock.now
        var r: JSONValue?
        for _ in 0..<options.batch { r = try! evaluate() }
        eval.append(seconds(start.duration(to: clock.now)) / Double(options.batch))
        if case .array(let a)? = r { sink &+= a.count }
        result = r
    }

    if let out = options.out {
        let text = result.map { JSONWriter.write($0) } ?? "null"
        _ = FileManager.default.createFile(atPath: "\(out)/\(name).json", contents: Data(text.utf8))
    }

    var o = JSONObject()
    o["engine"] = .string("xeroflow")
    o["mapping"] = .string(name)
    o["parse"] = summary(parse)
    o["eval"] = summary(eval)
    o["warmup"] = .number(JSONNumber(options.warmup))
    o["input_load_ms"] = .number(JSONNumber(loadSeconds * 1000))
    o["note"] = .string(options.prepared
        ? "eval: PreparedExpression.evaluate(JSONValue) -> JSONValue, prepared once, \(options.batch) per sample"
        : "eval: Expression.evaluate(JSONValue) -> JSONValue, input parsed once beforehand")
    print(JSONWriter.write(.object(o)))
}
if sink == Int.min { print(sink) }
