import Foundation

/// English words, roman numerals and spreadsheet-style letters, in both directions.
enum EnglishWords {
    static let few = [
        "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
        "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
    ]
    static let ordinals = [
        "Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
        "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth",
    ]
    static let decades = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]
    static let magnitudes = ["Thousand", "Million", "Billion", "Trillion"]

    /// `value` (a non-negative integer) in title-case British English: "Three Hundred and
    /// Twenty-Seven Thousand, Seven Hundred and Thirty". Beyond trillions the magnitudes repeat
    /// ("Ten Billion Trillion Trillion Trillion"), as in jsonata-js.
    static func words(_ value: Double, ordinal: Bool) -> String {
        lookup(value, previous: false, ordinal: ordinal)
    }

    private static func lookup(_ num: Double, previous: Bool, ordinal: Bool) -> String {
        if num <= 19 {
            return (previous ? " and " : "") + (ordinal ? ordinals : few)[Int(num)]
        }
        if num < 100 {
            let tens = Int((num / 10).rounded(.down))
            let remainder = num.truncatingRemainder(dividingBy: 10)
            var words = (previous ? " and " : "") + decades[tens - 2]
            if remainder > 0 {
                words += "-" + lookup(remainder, previous: false, ordinal: ordinal)
            } else if ordinal {
                words = String(words.dropLast()) + "ieth"
            }
            return words
        }
        if num < 1000 {
            let hundreds = Int((num / 100).rounded(.down))
            let remainder = num.truncatingRemainder(dividingBy: 100)
            var words = (previous ? ", " : "") + few[hundreds] + " Hundred"
            if remainder > 0 {
                words += lookup(remainder, previous: true, ordinal: ordinal)
            } else if ordinal {
                words += "th"
            }
            return words
        }
        var magnitude = Int((log10(num) / 3).rounded(.down))
        if magnitude > magnitudes.count { magnitude = magnitudes.count }
        let factor = power(10, magnitude * 3)
        let mantissa = (num / factor).rounded(.down)
        let remainder = num - mantissa * factor
        var words = (previous ? ", " : "") + lookup(mantissa, previous: false, ordinal: false) + " " + magnitudes[magnitude - 1]
        if remainder > 0 {
            words += lookup(remainder, previous: true, ordinal: ordinal)
        } else if ordinal {
            words += "th"
        }
        return words
    }

    /// Lower-case word → value, for cardinal and ordinal forms.
    static let values: [String: Double] = {
        var values: [String: Double] = [:]
        for (i, word) in few.enumerated() { values[word.lowercased()] = Double(i) }
        for (i, word) in ordinals.enumerated() { values[word.lowercased()] = Double(i) }
        for (i, word) in decades.enumerated() {
            let lower = word.lowercased()
            values[lower] = Double((i + 2) * 10)
            values[String(lower.dropLast()) + "ieth"] = Double((i + 2) * 10)
        }
        values["hundred"] = 100
        values["hundredth"] = 100
        for (i, word) in magnitudes.enumerated() {
            let value = power(10, (i + 1) * 3)
            values[word.lowercased()] = value
            values[word.lowercased() + "th"] = value
        }
        return values
    }()

    /// Every word, in the order jsonata-js lists them in its matching pattern.
    static let orderedWords: [String] = {
        var words = few.map { $0.lowercased() } + ordinals.map { $0.lowercased() }
        for word in decades.map({ $0.lowercased() }) { words += [word, String(word.dropLast()) + "ieth"] }
        words += ["hundred", "hundredth"]
        for word in magnitudes.map({ $0.lowercased() }) { words += [word, word + "th"] }
        return words
    }()

    /// The value of `text` in English words (any case, cardinal or ordinal); nil when a word is
    /// not a number word.
    static func number(_ text: String) -> Double? {
        var parts: [String] = []
        var current = ""
        for ch in text.lowercased() {
            if ch.isWhitespace || ch == "-" || ch == "\\" || ch == "," {
                if !current.isEmpty { parts.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { parts.append(current) }
        parts.removeAll { $0 == "and" }
        guard !parts.isEmpty else { return nil }
        var segments: [Double] = [0]
        for part in parts {
            guard let value = values[part] else { return nil }
            if value < 100 {
                var top = segments.removeLast()
                if top >= 1000 {
                    segments.append(top)
                    top = 0
                }
                segments.append(top + value)
            } else {
                segments.append(segments.removeLast() * value)
            }
        }
        return segments.reduce(0, +)
    }
}

enum RomanNumerals {
    private static let numerals: [(Double, String)] = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]
    private static let values: [Character: Int] = ["M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1]

    /// Largest value written in roman numerals; above it the decimal digits are used, since
    /// the numeral would be one "m" per thousand.
    static let limit: Double = 1_000_000

    /// Lower-case roman numerals for `value` (empty for zero).
    static func roman(_ value: Double) -> String {
        var remaining = value
        var result = ""
        for (amount, numeral) in numerals {
            while remaining >= amount {
                result += numeral
                remaining -= amount
            }
        }
        return result
    }

    /// The value of roman numerals in either case; nil for any other character.
    static func number(_ text: String) -> Double? {
        var decimal = 0
        var max = 1
        for ch in text.uppercased().reversed() {
            guard let value = values[ch] else { return nil }
            if value < max {
                decimal -= value
            } else {
                max = value
                decimal += value
            }
        }
        return Double(decimal)
    }
}

enum AlphabeticNumbering {
    /// Spreadsheet-style letters: 1 → a, 26 → z, 27 → aa (empty for zero).
    static func letters(_ value: Double, upper: Bool) -> String {
        let a = upper ? 65 : 97
        var letters: [Character] = []
        var remaining = value
        while remaining > 0 {
            let index = Int((remaining - 1).truncatingRemainder(dividingBy: 26))
            letters.append(Character(Unicode.Scalar(UInt8(a + index))))
            remaining = ((remaining - 1) / 26).rounded(.down)
        }
        return String(letters.reversed())
    }

    /// The value of spreadsheet-style letters in either case; nil for any other character.
    static func number(_ text: String) -> Double? {
        var decimal = 0.0
        for (i, scalar) in text.lowercased().unicodeScalars.reversed().enumerated() {
            guard scalar.value >= 97 && scalar.value <= 122 else { return nil }
            decimal += Double(scalar.value - 97 + 1) * power(26, i)
        }
        return decimal
    }
}

/// `base` to an integer power, multiplied out as `Math.pow` gives for these small exact cases.
func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<max(exponent, 0) { result *= base }
    return result
}
