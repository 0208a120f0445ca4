/// A variable marker of a date/time picture, e.g. `[D01]`, `[MNn,3-3]`, `[Z01:01t]` (F&O 9.8.4).
struct DateTimeMarker: Sendable {
    /// Y M D d F W w X x H h P m s f Z z C E.
    var component: Character
    var presentation1: String
    /// a, t, c or o.
    var presentation2: Character?
    var minWidth: Int?
    var maxWidth: Int?
    /// Set when the component is written as a name (`N`, `n`, `Nn`).
    var names: LetterCase?
    /// How the integer value is written, for integer components and timezones.
    var integerFormat: IntegerPicture?
    /// For `Y`: how many trailing digits of the year to keep.
    var yearDigits: Int?

    static let defaultPresentation: [Character: String] = [
        "Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1", "x": "1",
        "H": "1", "h": "1", "P": "n", "m": "01", "s": "01", "f": "1", "Z": "01:01", "z": "01:01",
        "C": "n", "E": "n",
    ]
    static let integerComponents: Set<Character> = ["Y", "M", "D", "d", "F", "W", "w", "X", "x", "H", "h", "m", "s", "f"]
}

/// A date/time picture string: literals and variable markers (F&O 9.8.4.1).
struct DateTimePicture: Sendable {
    enum Part: Sendable {
        case literal(String)
        case marker(DateTimeMarker)
    }

    var parts: [Part] = []
    /// The picture as a plain formatting plan when it is only literals and ASCII decimal year,
    /// month, day, hour, minute and second components (`[D01]/[M01]/[Y0001]`); nil otherwise.
    private(set) var plan: [PlanPart]? = nil

    /// One step of ``plan``.
    enum PlanPart: Sendable {
        case literal([UInt8])
        /// `component` (one of `YMDHms`) left-padded with zeros to `width`; for a year, the
        /// last `yearDigits` digits only.
        case number(component: UInt8, width: Int, yearDigits: Int?)
    }

    /// The default picture of `$fromMillis` and `$now`.
    static let iso8601: DateTimePicture = {
        // The picture is valid, so analysis cannot fail.
        guard let picture = try? DateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]") else {
            fatalError("ISO 8601 picture failed to analyse")
        }
        return picture
    }()

    /// - Throws: `D3135` for a `[` without `]`, `D3132` for an unknown component, `D3131` for
    ///   digits of mixed decimal groups.
    init(_ picture: String) throws(FormattingError) {
        let chars = Array(picture)
        var start = 0
        var pos = 0
        func addLiteral(_ from: Int, _ to: Int) {
            guard to > from else { return }
            parts.append(.literal(String(chars[from..<to]).replacingDoubledBrackets()))
        }
        while pos < chars.count {
            if chars[pos] == "[" {
                if pos + 1 < chars.count && chars[pos + 1] == "[" {
                    addLiteral(start, pos)
                    parts.append(.literal("["))
                    pos += 2
                    start = pos
                    continue
                }
                addLiteral(start, pos)
                start = pos
                guard let close = chars[start...].firstIndex(of: "]") else { throw .unclosedMarker }
                pos = close
                let marker = try Self.marker(chars[(start + 1)..<close].filter { !$0.isWhitespace }, previous: &parts)
                parts.append(.marker(marker))
                start = pos + 1
            }
            pos += 1
        }
        addLiteral(start, pos)
        plan = Self.plan(parts)
    }

    private static func plan(_ parts: [Part]) -> [PlanPart]? {
        var plan: [PlanPart] = []
        for part in parts {
            switch part {
            case .literal(let text):
                plan.append(.literal(Array(text.utf8)))
            case .marker(let marker):
                guard let ascii = marker.component.asciiValue, "YMDHms".utf8.contains(ascii), marker.names == nil,
                      let format = marker.integerFormat, !format.ordinal, case .decimal(let decimal) = format.primary,
                      decimal.zero == 0x30, decimal.separatorCharacters.isEmpty else { return nil }
                plan.append(.number(component: ascii, width: decimal.mandatoryDigits, yearDigits: marker.yearDigits))
            }
        }
        return plan
    }

    private static func marker(_ text: [Character], previous parts: inout [Part]) throws(FormattingError) -> DateTimeMarker {
        guard let component = text.first, let fallback = DateTimeMarker.defaultPresentation[component] else {
            throw .unknownComponent(text.first.map { String($0) } ?? "")
        }
        var marker = DateTimeMarker(component: component, presentation1: fallback)
        var modifiers = Array(text.dropFirst())
        if let comma = text.lastIndex(of: ",") {
            // §9.8.4.2 width modifier: min[-max], either may be "*".
            let width = text[(comma + 1)...]
            if let dash = width.firstIndex(of: "-") {
                marker.minWidth = Self.width(width[..<dash])
                marker.maxWidth = Self.width(width[(dash + 1)...])
            } else {
                marker.minWidth = Self.width(width)
            }
            modifiers = Array(text[1..<comma])
        }
        if modifiers.count == 1 {
            marker.presentation1 = String(modifiers)
        } else if let last = modifiers.last {
            if "atco".contains(last) {
                marker.presentation2 = last
                marker.presentation1 = String(modifiers.dropLast())
            } else {
                marker.presentation1 = String(modifiers)
            }
        }

        let p1 = Array(marker.presentation1)
        if p1.first == "n" {
            marker.names = .lower
        } else if p1.first == "N" {
            marker.names = p1.count > 1 && p1[1] == "n" ? .title : .upper
        } else if DateTimeMarker.integerComponents.contains(component) {
            var pattern = marker.presentation1
            if let p2 = marker.presentation2 { pattern += ";" + String(p2) }
            var format = try IntegerPicture(pattern)
            if var decimal = format.decimal {
                if let min = marker.minWidth, decimal.mandatoryDigits < min { decimal.mandatoryDigits = min }
                if component == "Y" {
                    // §9.8.4.4: a maximum width, or a two-or-more digit pattern, truncates the year.
                    if let max = marker.maxWidth {
                        marker.yearDigits = max
                        decimal.mandatoryDigits = max
                    } else if decimal.mandatoryDigits + decimal.optionalDigits >= 2 {
                        marker.yearDigits = decimal.mandatoryDigits + decimal.optionalDigits
                    }
                }
                format.decimal = decimal
            } else if component == "Y", let max = marker.maxWidth {
                marker.yearDigits = max
            }
            marker.integerFormat = format
            // An integer right after another integer, with nothing between, must be read with
            // the exact width of the first.
            if case .marker(var previous)? = parts.last, var previousFormat = previous.integerFormat,
               var previousDecimal = previousFormat.decimal {
                previousDecimal.parseWidth = previousDecimal.mandatoryDigits
                previousFormat.decimal = previousDecimal
                previous.integerFormat = previousFormat
                parts[parts.count - 1] = .marker(previous)
            }
        }
        if component == "Z" || component == "z" {
            marker.integerFormat = try IntegerPicture(marker.presentation1)
        }
        return marker
    }

    private static func width(_ text: ArraySlice<Character>) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(String(digits))
    }
}

extension String {
    func replacingDoubledBrackets() -> String {
        var result = ""
        var chars = self[...]
        while let ch = chars.first {
            result.append(ch)
            chars = chars.dropFirst()
            if ch == "]", chars.first == "]" { chars = chars.dropFirst() }
        }
        return result
    }
}
