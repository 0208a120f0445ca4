/// `$formatInteger` and `$parseInteger`: integers to and from XPath F&O 3.1 `format-integer`
/// pictures.
public enum IntegerFormatting {
    /// `$formatInteger(number, picture)`: `number` rounded down, then written as the picture says.
    ///
    /// Pictures: a decimal-digit pattern (`"000"`, `"#,##0"`, digits of any one Unicode decimal
    /// group such as `"١"`), `"a"`/`"A"` (letters), `"i"`/`"I"` (roman numerals), `"w"`/`"W"`/`"Ww"`
    /// (English words); `";o"` appended asks for the ordinal form ("1st", "first").
    /// - Throws: `D3130` for an unsupported numbering sequence, `D3131` for digits of mixed groups.
    public static func formatInteger(_ value: Double, picture: String) throws(FormattingError) -> String {
        let format = try IntegerPicture(picture)
        return try format.format(value.rounded(.down))
    }

    /// `$parseInteger(string, picture)`: the inverse of `formatInteger`.
    ///
    /// - Returns: the value, or nil when `string` is not written the way the picture says.
    /// - Throws: `D3130` for an unsupported numbering sequence, `D3131` for digits of mixed groups.
    public static func parseInteger(_ string: String, picture: String) throws(FormattingError) -> Double? {
        let format = try IntegerPicture(picture)
        return try format.parse(string)
    }
}

extension IntegerPicture {
    /// Formats an integral `value` (jsonata-js's `_formatInteger`).
    func format(_ value: Double) throws(FormattingError) -> String {
        if case .sequence(let token) = primary { throw .unsupportedSequence(token) }
        guard value.isFinite else { return javaScriptString(value) }
        let negative = value < 0
        let magnitude = value.magnitude
        var text: String
        switch primary {
        case .letters:
            text = AlphabeticNumbering.letters(magnitude, upper: letterCase == .upper)
        case .roman:
            if magnitude > RomanNumerals.limit {
                text = DecimalDigits(magnitude).fixed(fractionDigits: 0).integer
            } else {
                text = RomanNumerals.roman(magnitude)
                if letterCase == .upper { text = text.uppercased() }
            }
        case .words:
            text = EnglishWords.words(magnitude, ordinal: ordinal)
            switch letterCase {
            case .upper: text = text.uppercased()
            case .lower: text = text.lowercased()
            case .title: break
            }
        case .decimal(let pattern):
            text = pattern.format(magnitude, ordinal: ordinal)
        case .sequence(let token):
            throw .unsupportedSequence(token)
        }
        return negative ? "-" + text : text
    }

    /// Reads `text` as this picture writes integers; nil when it does not fit.
    func parse(_ text: String) throws(FormattingError) -> Double? {
        switch primary {
        case .letters: return AlphabeticNumbering.number(text)
        case .roman: return RomanNumerals.number(text)
        case .words: return EnglishWords.number(text)
        case .decimal(let pattern): return pattern.parse(text, ordinal: ordinal)
        case .sequence(let token): throw .unsupportedSequence(token)
        }
    }
}

extension DecimalDigitPattern {
    func format(_ magnitude: Double, ordinal: Bool) -> String {
        // Fast path for the common date/time case (`[Y0001]`, `[M01]`, `[D01]`): ASCII digits, no
        // grouping, no ordinal, a whole number an Int holds exactly. Written straight into UTF-8.
        if zero == 0x30, !ordinal, magnitude < 9.0e15, case .irregular(let separators) = grouping, separators.isEmpty {
            return Self.plainDigits(UInt64(magnitude), minimumWidth: mandatoryDigits)
        }
        var digits = Array(DecimalDigits(magnitude).fixed(fractionDigits: 0).integer.unicodeScalars)
        if digits.count < mandatoryDigits {
            digits.insert(contentsOf: repeatElement("0", count: mandatoryDigits - digits.count), at: 0)
        }
        var characters = digits.map { scalar -> Character in
            guard zero != 0x30, scalar.value >= 0x30, scalar.value <= 0x39,
                  let mapped = Unicode.Scalar(scalar.value - 0x30 + zero) else { return Character(scalar) }
            return Character(mapped)
        }
        switch grouping {
        case .regular(let interval, let separator):
            let groups = (characters.count - 1) / interval
            var ii = groups
            while ii > 0 {
                characters.insert(separator, at: characters.count - ii * interval)
                ii -= 1
            }
        case .irregular(let separators):
            for (position, separator) in separators.reversed() where characters.count - position > 0 {
                characters.insert(separator, at: characters.count - position)
            }
        }
        var text = String(characters)
        if ordinal {
            let last = characters.last
            let secondLast = characters.count > 1 ? characters[characters.count - 2] : nil
            var suffix = "th"
            if secondLast != "1" {
                switch last {
                case "1": suffix = "st"
                case "2": suffix = "nd"
                case "3": suffix = "rd"
                default: break
                }
            }
            text += suffix
        }
        return text
    }

    /// `value` in ASCII decimal, left-padded with zeros to `minimumWidth`.
    static func plainDigits(_ value: UInt64, minimumWidth: Int) -> String {
        var v = value
        var count = 1
        while v >= 10 { v /= 10; count += 1 }
        let width = Swift.max(count, minimumWidth)
        return String(unsafeUninitializedCapacity: width) { buffer in
            var rest = value
            var i = width - 1
            while i >= 0 {
                buffer[i] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
                i -= 1
            }
            return width
        }
    }

    /// Digits of this pattern's group (or ASCII), grouping separators allowed anywhere, an
    /// optional leading minus, and an ordinal suffix when `ordinal`.
    func parse(_ text: String, ordinal: Bool) -> Double? {
        var body = Substring(text)
        if ordinal {
            guard body.count > 2, ["st", "nd", "rd", "th"].contains(body.suffix(2).lowercased()) else { return nil }
            body = body.dropLast(2)
        }
        var negative = false
        if body.first == "-" {
            negative = true
            body = body.dropFirst()
        }
        let separators = separatorCharacters
        var ascii = ""
        for ch in body where !separators.contains(ch) {
            guard ch.unicodeScalars.count == 1, let scalar = ch.unicodeScalars.first else { return nil }
            if scalar.value >= zero && scalar.value <= zero + 9 {
                ascii.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + scalar.value - zero)))
            } else if scalar.value >= 0x30 && scalar.value <= 0x39 {
                ascii.unicodeScalars.append(scalar)
            } else {
                return nil
            }
        }
        guard !ascii.isEmpty, let value = Double(ascii) else { return nil }
        return negative ? -value : value
    }
}
