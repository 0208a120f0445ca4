import ExpressionFormatting
import Foundation
import JSONModel

extension Functions {
    /// The encoding functions.
    static let encodingFunctions: [Builtin] = [
        Builtin("base64encode", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let bytes = s.utf16.map { UInt8(truncatingIfNeeded: $0) }
            return .string(Data(bytes).base64EncodedString())
        },
        Builtin("base64decode", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            var cleaned = s.filter { !$0.isWhitespace }
            while cleaned.count % 4 != 0 { cleaned += "=" }
            guard let data = Data(base64Encoded: cleaned) else { return .string("") }
            var out = String.UnicodeScalarView()
            for b in data { out.append(Unicode.Scalar(b)) }
            return .string(String(out))
        },
        Builtin("encodeUrlComponent", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string(percentEncode($0, keep: unreservedComponent)) }
        },
        Builtin("encodeUrl", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string(percentEncode($0, keep: unreservedURI)) }
        },
        Builtin("decodeUrlComponent", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let r = percentDecode(s, reserved: []) else { throw ExpressionError.make("D3140", value: .string(s)) }
            return .string(r)
        },
        Builtin("decodeUrl", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let r = percentDecode(s, reserved: Set(";/?:@&=+$,#".utf8)) else { throw ExpressionError.make("D3140", value: .string(s)) }
            return .string(r)
        },

    ]

    /// The evaluation functions.
    static let evaluationFunctions: [Builtin] = [
        Builtin("eval", "<sx?:x>", arity: 2) { args, site throws(ExpressionError) in
            guard let text = strArg(args, 0) else { return nil }
            var input = site.input
            if let focus = arg(args, 1) {
                input = focus
                if case .jarray(let a)? = input {
                    let w = JArray.sequence([.jarray(a)])
                    w.outerWrapper = true
                    input = .array(w)
                } else if case .array(let a)? = input, !a.isSequence {
                    let w = JArray.sequence([input!])
                    w.outerWrapper = true
                    input = .array(w)
                }
            }
            let ast: Node
            do throws(ExpressionError) {
                ast = try Parser.parse(text).0
            } catch {
                throw ExpressionError.make("D3120", message: "the expression given to $eval has a syntax error: \(error.message)")
            }
            do throws(ExpressionError) {
                return try site.ev.eval(ast, input, site.frame)
            } catch {
                if error.isStackExhaustion { throw error }
                throw ExpressionError.make("D3121", message: "the expression given to $eval failed: \(error.message)")
            }
        },
    ]
}
