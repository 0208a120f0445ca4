import Expressions
import JSONModel
import Testing

/// Which members of a record an expression can read (a target's key read from a partial record).
@Suite("Expression.inputFields")
struct InputFieldsTests {
    static let record = try! JSONParser.parse("""
        {"InvoiceNumber": "INV-7", "LineNumber": 3, "Contact": {"Name": "Ada", "Email": "ada@example.com"},
         "Lines": [{"Amount": 2.5}, {"Amount": 4}], "Notes": "x", "Code": "ab"}
        """)

    @Test("plain names, dotted paths, operators, conditions, array constructors and pure calls read just their names")
    func certain() throws {
        let cases: [(String, Set<String>)] = [
            ("InvoiceNumber", ["InvoiceNumber"]),
            (#"InvoiceNumber & "/" & $string(LineNumber)"#, ["InvoiceNumber", "LineNumber"]),
            ("Contact.Name", ["Contact"]),
            ("$uppercase(Code) & Contact.Email", ["Code", "Contact"]),
            ("$sum(Lines.Amount)", ["Lines"]),
            (#"LineNumber > 2 ? InvoiceNumber : "none""#, ["LineNumber", "InvoiceNumber"]),
            ("[InvoiceNumber, LineNumber]", ["InvoiceNumber", "LineNumber"]),
            (#"$pad($string(LineNumber), 5, "0")"#, ["LineNumber"]),
            (#"$join([Code, Notes], "-")"#, ["Code", "Notes"]),
            ("-LineNumber", ["LineNumber"]),
            (#""fixed""#, []),
            ("(InvoiceNumber)", ["InvoiceNumber"]),
        ]
        for (text, expected) in cases {
            let e = try Expression(text)
            #expect(e.inputFields == expected, "\(text)")
            // The partial record gives the same result as the whole one.
            let whole = try e.evaluate(Self.record)
            let partial = JSONObject(Self.record.objectValue!.filter { expected.contains($0.key) })
            #expect(try e.evaluate(.object(partial)) == whole, "\(text)")
        }
    }

    @Test("anything that may read more of the record is not claimed")
    func uncertain() throws {
        for text in [
            "$", "$$.InvoiceNumber", "$string()", "$keys($)", "*.Name", "**.Amount", "Lines[Amount > 3].Amount",
            #"{"a": InvoiceNumber}"#, "$count($keys())", #"$substring("abc")"#, #"$replace("a", "b")"#,
            "$x := InvoiceNumber", "Lines.%.InvoiceNumber", "$lookup($, 'Code')", "$myFunction(InvoiceNumber)",
            "(InvoiceNumber; LineNumber)", "InvoiceNumber ~> $uppercase",
        ] {
            #expect(try Expression(text).inputFields == nil, "\(text)")
        }
    }
}
