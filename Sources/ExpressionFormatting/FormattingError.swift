/// A failure of one of JSONata's picture-string functions, carrying the code jsonata-js reports.
///
/// The codes and messages follow jsonata-js 2.x: `D3080`–`D3093` for `$formatNumber` pictures,
/// `D3100` for `$formatBase`, `D3110` for `$toMillis` without a picture, and `D3130`–`D3136` for
/// integer and date/time pictures. The core attaches the position; this type only names the failure.
public struct FormattingError: Error, Sendable, Equatable {
    /// The JSONata error code, e.g. `"D3130"`.
    public let code: String
    /// The message jsonata-js renders for `code`, with its inserts filled in.
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

extension FormattingError {
    // MARK: $formatNumber pictures (F&O 4.7.3)

    static let tooManySubPictures = FormattingError(
        code: "D3080", message: "The picture string must only contain a maximum of two sub-pictures")
    static let multipleDecimalSeparators = FormattingError(
        code: "D3081", message: "The sub-picture must not contain more than one instance of the 'decimal-separator' character")
    static let multiplePercents = FormattingError(
        code: "D3082", message: "The sub-picture must not contain more than one instance of the 'percent' character")
    static let multiplePerMilles = FormattingError(
        code: "D3083", message: "The sub-picture must not contain more than one instance of the 'per-mille' character")
    static let percentAndPerMille = FormattingError(
        code: "D3084", message: "The sub-picture must not contain both a 'percent' and a 'per-mille' character")
    static let noMantissaDigit = FormattingError(
        code: "D3085",
        message: "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'")
    static let passiveBetweenActive = FormattingError(
        code: "D3086",
        message: "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character")
    static let groupingNextToDecimal = FormattingError(
        code: "D3087",
        message: "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character")
    static let groupingAtEndOfInteger = FormattingError(
        code: "D3088", message: "The sub-picture must not contain a 'grouping-separator' at the end of the integer part")
    static let adjacentGroupings = FormattingError(
        code: "D3089", message: "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character")
    static let optionalDigitAfterDigit = FormattingError(
        code: "D3090",
        message: "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'")
    static let digitAfterOptionalDigit = FormattingError(
        code: "D3091",
        message: "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'")
    static let exponentWithPercent = FormattingError(
        code: "D3092",
        message: "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'")
    static let badExponent = FormattingError(
        code: "D3093",
        message: "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'")

    // MARK: $formatBase, $toMillis

    static func radixOutOfRange(_ radix: Double) -> FormattingError {
        FormattingError(code: "D3100", message: "The radix of the formatBase function must be between 2 and 36.  It was given \(jsonNumber(radix))")
    }

    static func notISO8601(_ timestamp: String) -> FormattingError {
        FormattingError(code: "D3110", message: "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given \(jsonString(timestamp))")
    }

    // MARK: integer and date/time pictures

    static func unsupportedSequence(_ token: String) -> FormattingError {
        FormattingError(code: "D3130", message: "Formatting or parsing an integer as a sequence starting with \(jsonString(token)) is not supported by this implementation")
    }

    static let mixedDecimalGroups = FormattingError(
        code: "D3131", message: "In a decimal digit pattern, all digits must be from the same decimal group")

    static func unknownComponent(_ component: String) -> FormattingError {
        FormattingError(code: "D3132", message: "Unknown component specifier \(jsonString(component)) in date/time picture string")
    }

    static func namesNotSupported(_ component: String) -> FormattingError {
        FormattingError(code: "D3133", message: "The 'name' modifier can only be applied to months and days in the date/time picture string, not \(jsonString(component))")
    }

    static let timezoneTooManyDigits = FormattingError(
        code: "D3134", message: "The timezone integer format specifier cannot have more than four digits")
    static let unclosedMarker = FormattingError(
        code: "D3135", message: "No matching closing bracket ']' in date/time picture string")
    static let missingComponents = FormattingError(
        code: "D3136", message: "The date/time picture string is missing specifiers required to parse the timestamp")
    static let timestampOutOfRange = FormattingError(
        code: "D3137", message: "The timestamp is outside the range of representable dates")

    /// `JSON.stringify` of a string, as jsonata-js's `{{value}}` inserts render it.
    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func jsonNumber(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.isFinite ? "\(d)" : "null"
    }
}
