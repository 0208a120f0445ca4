/// The decimal-format properties of `$formatNumber` (F&O 4.7.1), defaults overridden by the
/// options object.
struct DecimalFormatSymbols {
    var decimalSeparator = "."
    var groupingSeparator = ","
    var exponentSeparator = "e"
    var infinity = "Infinity"
    var notANumber = "NaN"
    var minusSign = "-"
    var percent = "%"
    var perMille = "\u{2030}"
    var zeroDigit = "0"
    var digit = "#"
    var patternSeparator = ";"

    /// The ten characters starting at the zero digit.
    let family: [Character]
    private let active: Set<Character>

    init(options: [String: String]) {
        for (key, value) in options {
            switch key {
            case "decimal-separator": decimalSeparator = value
            case "grouping-separator": groupingSeparator = value
            case "exponent-separator": exponentSeparator = value
            case "infinity": infinity = value
            case "NaN": notANumber = value
            case "minus-sign": minusSign = value
            case "percent": percent = value
            case "per-mille": perMille = value
            case "zero-digit": zeroDigit = value
            case "digit": digit = value
            case "pattern-separator": patternSeparator = value
            default: break  // jsonata-js ignores unknown keys
            }
        }
        let zero = zeroDigit.unicodeScalars.first?.value ?? 0x30
        family = (0..<10).map { Character(Unicode.Scalar(zero + $0) ?? "0") }
        var active = Set(family)
        for symbol in [decimalSeparator, exponentSeparator, groupingSeparator, digit, patternSeparator] where symbol.count == 1 {
            active.insert(Character(symbol))
        }
        self.active = active
    }

    func isActive(_ c: Character) -> Bool { active.contains(c) }
    func isDigit(_ c: Character) -> Bool { family.contains(c) }
    func isDigitOrOptional(_ c: Character) -> Bool { isDigit(c) || String(c) == digit }
    func matches(_ c: Character, _ symbol: String) -> Bool { String(c) == symbol }
}

/// One sub-picture of a `$formatNumber` picture, split into its parts (F&O 4.7.3) and analysed
/// into the variables the formatting steps use (F&O 4.7.4).
struct NumberSubPicture {
    var prefix: String
    var suffix: String
    var picture: [Character]
    var integerGroupingPositions: [Int]
    var regularGrouping: Int
    var minimumIntegerPartSize: Int
    var scalingFactor: Int
    var fractionalGroupingPositions: [Int]
    var minimumFractionalPartSize: Int
    var maximumFractionalPartSize: Int
    var minimumExponentSize: Int

    /// Splits, validates and analyses `subpicture`. Validation runs every check and reports the
    /// last that fails, as jsonata-js does.
    init(_ subpicture: [Character], symbols s: DecimalFormatSymbols) throws(FormattingError) {
        let n = subpicture.count
        let isBoundary: (Character) -> Bool = { s.isActive($0) && !s.matches($0, s.exponentSeparator) }
        // With no active character at all, both prefix and suffix are empty and the whole
        // sub-picture is the active part (so "%%" fails as a passive character).
        let first = subpicture.firstIndex(where: isBoundary)
        let last = subpicture.lastIndex(where: isBoundary)
        let prefixCount = first ?? 0
        let suffixCount = last.map { n - $0 - 1 } ?? 0
        let activePart = Array(subpicture[prefixCount..<(n - suffixCount)])

        var mantissa = activePart
        var exponent: [Character]?
        let exponentSeparator = Array(s.exponentSeparator)
        if let position = subpicture.firstRange(of: exponentSeparator, from: prefixCount),
           position <= n - suffixCount {
            let relative = min(position - prefixCount, activePart.count)
            mantissa = Array(activePart[..<relative])
            let exponentStart = min(relative + exponentSeparator.count, activePart.count)
            exponent = Array(activePart[exponentStart...])
        }
        let decimalSeparator = Array(s.decimalSeparator)
        var integer = mantissa
        var fraction: [Character] = []
        if let d = mantissa.firstRange(of: decimalSeparator, from: 0) {
            integer = Array(mantissa[..<d])
            fraction = Array(mantissa[min(d + decimalSeparator.count, mantissa.count)...])
        }

        // F&O 4.7.3 validation; the last failing rule wins.
        var error: FormattingError?
        let decimalPosition = subpicture.firstRange(of: decimalSeparator, from: 0)
        if subpicture.occurrences(of: decimalSeparator) > 1 { error = .multipleDecimalSeparators }
        let percents = subpicture.occurrences(of: Array(s.percent))
        let perMilles = subpicture.occurrences(of: Array(s.perMille))
        if percents > 1 { error = .multiplePercents }
        if perMilles > 1 { error = .multiplePerMilles }
        if percents > 0 && perMilles > 0 { error = .percentAndPerMille }
        if !mantissa.contains(where: s.isDigitOrOptional) { error = .noMantissaDigit }
        if activePart.contains(where: { !s.isActive($0) }) { error = .passiveBetweenActive }
        if let d = decimalPosition {
            let before = d > 0 ? s.matches(subpicture[d - 1], s.groupingSeparator) : false
            let afterIndex = d + decimalSeparator.count
            let after = afterIndex < n ? s.matches(subpicture[afterIndex], s.groupingSeparator) : false
            if before || after { error = .groupingNextToDecimal }
        } else if let lastInteger = integer.last, s.matches(lastInteger, s.groupingSeparator) {
            error = .groupingAtEndOfInteger
        }
        if subpicture.firstRange(of: Array(s.groupingSeparator + s.groupingSeparator), from: 0) != nil {
            error = .adjacentGroupings
        }
        let digitSymbol = Array(s.digit)
        if let optional = integer.firstRange(of: digitSymbol, from: 0),
           integer[..<optional].contains(where: s.isDigit) {
            error = .optionalDigitAfterDigit
        }
        if let optional = fraction.lastRange(of: digitSymbol),
           fraction[optional...].contains(where: s.isDigit) {
            error = .digitAfterOptionalDigit
        }
        if let exponent, !exponent.isEmpty, percents > 0 || perMilles > 0 {
            error = .exponentWithPercent
        }
        if let exponent, exponent.isEmpty || exponent.contains(where: { !s.isDigit($0) }) {
            error = .badExponent
        }
        if let error { throw error }

        // F&O 4.7.4 analysis.
        prefix = String(subpicture[..<prefixCount])
        suffix = String(subpicture[(n - suffixCount)...])
        picture = subpicture
        let grouping = Array(s.groupingSeparator)
        integerGroupingPositions = integer.ranges(of: grouping).map { position in
            integer[position...].filter(s.isDigitOrOptional).count
        }
        fractionalGroupingPositions = fraction.ranges(of: grouping).map { position in
            fraction[..<position].filter(s.isDigitOrOptional).count
        }
        regularGrouping = Self.regularInterval(integerGroupingPositions)

        var minimumInteger = integer.filter(s.isDigit).count
        scalingFactor = minimumInteger
        var minimumFraction = fraction.filter(s.isDigit).count
        var maximumFraction = fraction.filter(s.isDigitOrOptional).count
        let hasExponent = exponent != nil
        if minimumInteger == 0 && maximumFraction == 0 {
            if hasExponent {
                minimumFraction = 1
                maximumFraction = 1
            } else {
                minimumInteger = 1
            }
        }
        if hasExponent && minimumInteger == 0 && integer.firstRange(of: digitSymbol, from: 0) != nil {
            minimumInteger = 1
        }
        if minimumInteger == 0 && minimumFraction == 0 { minimumFraction = 1 }
        minimumIntegerPartSize = minimumInteger
        minimumFractionalPartSize = minimumFraction
        maximumFractionalPartSize = maximumFraction
        minimumExponentSize = exponent?.filter(s.isDigit).count ?? 0
    }

    /// The common interval of grouping positions when every multiple of it up to the count is
    /// present (so the separators repeat leftwards indefinitely); 0 otherwise.
    static func regularInterval(_ positions: [Int]) -> Int {
        guard let first = positions.first else { return 0 }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let factor = positions.dropFirst().reduce(first, gcd)
        guard factor > 0 else { return 0 }
        for index in 1...positions.count where !positions.contains(index * factor) { return 0 }
        return factor
    }
}

extension Array where Element == Character {
    /// The index where `needle` next occurs at or after `start`.
    func firstRange(of needle: [Character], from start: Int) -> Int? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        var i = Swift.max(start, 0)
        while i + needle.count <= count {
            if self[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    func lastRange(of needle: [Character]) -> Int? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        var i = count - needle.count
        while i >= 0 {
            if self[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    /// Every index where `needle` occurs, left to right, without overlaps.
    func ranges(of needle: [Character]) -> [Int] {
        var result: [Int] = []
        var i = 0
        while let found = firstRange(of: needle, from: i) {
            result.append(found)
            i = found + needle.count
        }
        return result
    }

    func occurrences(of needle: [Character]) -> Int { ranges(of: needle).count }
}
