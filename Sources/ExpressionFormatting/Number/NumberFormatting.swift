/// `$formatNumber` and `$formatBase`: numbers to strings by XPath F&O 3.1 `format-number`
/// picture strings, and in a radix.
public enum NumberFormatting {
    /// `$formatNumber(number, picture [, options])`.
    ///
    /// - Parameters:
    ///   - value: the number to format.
    ///   - picture: an F&O 4.7 picture, e.g. `"#,##0.00"`, `"0.0e0"`, `"#0%"`, or a positive and
    ///     a negative sub-picture separated by the pattern separator.
    ///   - options: overrides of the decimal format: `decimal-separator`, `grouping-separator`,
    ///     `exponent-separator`, `infinity`, `NaN`, `minus-sign`, `percent`, `per-mille`,
    ///     `zero-digit`, `digit`, `pattern-separator`. Unknown keys are ignored.
    /// - Throws: `D3080`–`D3093` for a malformed picture.
    public static func formatNumber(_ value: Double, picture: String, options: [String: String]) throws(FormattingError) -> String {
        let symbols = DecimalFormatSymbols(options: options)
        let subPictures = symbols.patternSeparator.isEmpty
            ? [picture]
            : picture.components(separatedBy: symbols.patternSeparator)
        guard subPictures.count <= 2 else { throw .tooManySubPictures }
        var analysed: [NumberSubPicture] = []
        for sub in subPictures { analysed.append(try NumberSubPicture(Array(sub), symbols: symbols)) }
        if analysed.count == 1 {
            var negative = analysed[0]
            negative.prefix = symbols.minusSign + negative.prefix
            analysed.append(negative)
        }

        // F&O 4.7.5, bullet by bullet.
        if value.isNaN { return symbols.notANumber }
        let pic = value >= 0 ? analysed[0] : analysed[1]
        var adjusted = value
        if pic.picture.firstRange(of: Array(symbols.percent), from: 0) != nil {
            adjusted = value * 100
        } else if pic.picture.firstRange(of: Array(symbols.perMille), from: 0) != nil {
            adjusted = value * 1000
        }
        if adjusted.isInfinite { return pic.prefix + symbols.infinity + pic.suffix }

        var mantissa = adjusted.magnitude
        var exponent: Int?
        if pic.minimumExponentSize > 0 {
            // mantissa × 10^exponent = adjusted, with the mantissa scaled to the integer digits.
            var e = 0
            if mantissa != 0 {
                let maxMantissa = pow10(pic.scalingFactor)
                let minMantissa = pow10(pic.scalingFactor - 1)
                while mantissa < minMantissa {
                    mantissa *= 10
                    e -= 1
                }
                while mantissa > maxMantissa {
                    mantissa /= 10
                    e += 1
                }
            }
            exponent = e
        }

        let rounded = DecimalDigits(mantissa).rounded(fractionDigits: pic.maximumFractionalPartSize)
        let fixed = rounded.fixed(fractionDigits: pic.maximumFractionalPartSize)
        var integerDigits = Array(fixed.integer.drop { $0 == "0" }).map { symbols.family[$0.wholeNumberValue!] }
        var fractionDigits = Array(fixed.fraction).map { symbols.family[$0.wholeNumberValue!] }
        let zero = symbols.family[0]
        while fractionDigits.last == zero { fractionDigits.removeLast() }
        if integerDigits.count < pic.minimumIntegerPartSize {
            integerDigits.insert(contentsOf: repeatElement(zero, count: pic.minimumIntegerPartSize - integerDigits.count), at: 0)
        }
        if fractionDigits.count < pic.minimumFractionalPartSize {
            fractionDigits.append(contentsOf: repeatElement(zero, count: pic.minimumFractionalPartSize - fractionDigits.count))
        }

        let grouping = Array(symbols.groupingSeparator)
        if pic.regularGrouping > 0 {
            let groups = (integerDigits.count - 1) / pic.regularGrouping
            if groups > 0 {
                for group in 1...groups {
                    integerDigits.insert(contentsOf: grouping, at: integerDigits.count - (group * pic.regularGrouping + (group - 1) * grouping.count))
                }
            }
        } else {
            for position in pic.integerGroupingPositions where integerDigits.count - position > 0 {
                integerDigits.insert(contentsOf: grouping, at: integerDigits.count - position)
            }
        }
        var inserted = 0
        for position in pic.fractionalGroupingPositions where position + inserted < fractionDigits.count {
            fractionDigits.insert(contentsOf: grouping, at: position + inserted)
            inserted += grouping.count
        }

        var result = pic.prefix + String(integerDigits)
        if pic.picture.firstRange(of: Array(symbols.decimalSeparator), from: 0) != nil && !fractionDigits.isEmpty {
            result += symbols.decimalSeparator + String(fractionDigits)
        }
        if let exponent {
            var digits = Array(String(exponent.magnitude)).map { symbols.family[$0.wholeNumberValue!] }
            if digits.count < pic.minimumExponentSize {
                digits.insert(contentsOf: repeatElement(zero, count: pic.minimumExponentSize - digits.count), at: 0)
            }
            result += symbols.exponentSeparator + (exponent < 0 ? symbols.minusSign : "") + String(digits)
        }
        return result + pic.suffix
    }

    /// `$formatBase(number [, radix])`: the number rounded half to even, in `radix` (2...36,
    /// itself rounded half to even) with lowercase digits.
    ///
    /// - Throws: `D3100` when the rounded radix is outside 2...36.
    public static func formatBase(_ value: Double, radix: Int) throws(FormattingError) -> String {
        try formatBase(value, radix: Double(radix))
    }

    /// `$formatBase` with the radix as JSONata passes it (any number, rounded half to even).
    public static func formatBase(_ value: Double, radix: Double) throws(FormattingError) -> String {
        let r = roundHalfEven(radix)
        guard r >= 2 && r <= 36 else { throw .radixOutOfRange(r) }
        let v = roundHalfEven(value)
        if !v.isFinite || r == 10 { return javaScriptString(v) }
        return (v < 0 ? "-" : "") + integerDigits(v.magnitude, radix: Int(r))
    }

    /// The exact digits of an integral, non-negative double in `radix`.
    static func integerDigits(_ value: Double, radix: Int) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        if value < 9.2e18 {
            return String(UInt64(value), radix: radix)
        }
        // value = significand × 2^exponent exactly; build it digit by digit in `radix`.
        var digits: [Int] = []  // least significant first
        var significand = value.significandBitPattern | (1 << 52)
        while significand > 0 {
            digits.append(Int(significand % UInt64(radix)))
            significand /= UInt64(radix)
        }
        for _ in 0..<(Int(value.exponent) - 52) {
            var carry = 0
            for i in digits.indices {
                let d = digits[i] * 2 + carry
                digits[i] = d % radix
                carry = d / radix
            }
            while carry > 0 {
                digits.append(carry % radix)
                carry /= radix
            }
        }
        return String(digits.reversed().map { alphabet[$0] })
    }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        if n >= 0 {
            for _ in 0..<n { result *= 10 }
        } else {
            for _ in 0..<(-n) { result /= 10 }
        }
        return result
    }
}
