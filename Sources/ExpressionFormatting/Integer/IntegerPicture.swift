/// Upper, lower or title case of alphabetic, roman, word and name presentations.
enum LetterCase: Sendable {
    case upper, lower, title
}

/// An analysed `format-integer` picture (F&O 4.6.2): a primary format token and its modifier.
struct IntegerPicture: Sendable {
    enum Primary: Sendable {
        case decimal(DecimalDigitPattern)
        case letters
        case roman
        case words
        /// A numbering sequence other than the supported ones (e.g. "α"); reported as `D3130`
        /// only when used, as jsonata-js does.
        case sequence(String)
    }

    var primary: Primary
    var letterCase: LetterCase = .lower
    var ordinal = false

    init(_ picture: String) throws(FormattingError) {
        var primaryToken = picture
        if let semicolon = picture.lastIndex(of: ";") {
            primaryToken = String(picture[..<semicolon])
            ordinal = picture[picture.index(after: semicolon)...].first == "o"
        }
        switch primaryToken {
        case "A": primary = .letters; letterCase = .upper
        case "a": primary = .letters
        case "I": primary = .roman; letterCase = .upper
        case "i": primary = .roman
        case "W": primary = .words; letterCase = .upper
        case "Ww": primary = .words; letterCase = .title
        case "w": primary = .words
        default:
            if let pattern = try DecimalDigitPattern(primaryToken) {
                primary = .decimal(pattern)
            } else {
                primary = .sequence(primaryToken)
            }
        }
    }

    /// The decimal pattern, if this is one.
    var decimal: DecimalDigitPattern? {
        get { if case .decimal(let p) = primary { return p } else { return nil } }
        set { if let newValue { primary = .decimal(newValue) } }
    }
}

/// A decimal-digit pattern such as `#,##0` or `١٢٣` (digits from one Unicode decimal group).
struct DecimalDigitPattern: Sendable {
    enum Grouping: Sendable {
        /// Separators at equal intervals, repeating leftwards.
        case regular(interval: Int, separator: Character)
        /// Separators at the given positions (digits to their right), rightmost first.
        case irregular([(position: Int, separator: Character)])
    }

    /// The code point of the zero digit of the decimal group used.
    var zero: UInt32
    var mandatoryDigits: Int
    var optionalDigits: Int
    var grouping: Grouping
    /// For date/time parsing: the exact number of digits to read when the next component follows
    /// without a separator.
    var parseWidth: Int?

    /// Zero digits of the Unicode decimal groups jsonata-js recognises (each zero…nine).
    static let decimalGroups: [UInt32] = [
        0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0xFF10,
    ]

    static func group(of scalar: Unicode.Scalar) -> UInt32? {
        decimalGroups.first { scalar.value >= $0 && scalar.value <= $0 + 9 }
    }

    /// Analyses `token`; nil when it holds no decimal digit (so it is a numbering sequence).
    ///
    /// - Throws: `D3131` when digits come from different decimal groups.
    init?(_ token: String) throws(FormattingError) {
        var zero: UInt32?
        var mandatory = 0
        var optional = 0
        var position = 0
        var separators: [(position: Int, separator: Character)] = []
        // Right to left, so each separator's position counts the digits to its right.
        for scalar in token.unicodeScalars.reversed() {
            if let group = Self.group(of: scalar) {
                mandatory += 1
                position += 1
                if zero == nil {
                    zero = group
                } else if zero != group {
                    throw .mixedDecimalGroups
                }
            } else if scalar == "#" {
                optional += 1
                position += 1
            } else {
                separators.append((position, Character(scalar)))
            }
        }
        guard let zero, mandatory > 0 else { return nil }
        self.zero = zero
        mandatoryDigits = mandatory
        optionalDigits = optional
        let interval = Self.regularInterval(separators)
        if interval > 0, let first = separators.first {
            grouping = .regular(interval: interval, separator: first.separator)
        } else {
            grouping = .irregular(separators)
        }
    }

    private static func regularInterval(_ separators: [(position: Int, separator: Character)]) -> Int {
        guard let first = separators.first else { return 0 }
        guard separators.allSatisfy({ $0.separator == first.separator }) else { return 0 }
        return NumberSubPicture.regularInterval(separators.map(\.position))
    }

    /// The separator of regular grouping (what a date/time timezone uses between hours and minutes).
    var regularSeparator: Character? {
        if case .regular(_, let separator) = grouping { return separator }
        return nil
    }

    var separatorCharacters: Set<Character> {
        switch grouping {
        case .regular(_, let separator): return [separator]
        case .irregular(let list): return Set(list.map(\.separator))
        }
    }
}
