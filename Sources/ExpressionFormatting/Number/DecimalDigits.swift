/// The shortest decimal that reads back as a given `Double` (what JavaScript's `Number#toString`
/// prints), held as digits so rounding happens in decimal, never in binary.
///
/// The value is `0.d₁d₂d₃… × 10^pointPosition`; `digits` has no leading or trailing zeros, and is
/// empty for zero.
struct DecimalDigits: Equatable {
    var digits: [UInt8]
    var pointPosition: Int

    /// The magnitude of `value`, which must be finite.
    init(_ value: Double) {
        precondition(value.isFinite, "DecimalDigits needs a finite value")
        digits = []
        pointPosition = 0
        guard value != 0 else { return }
        // Swift's description is the shortest round-trip form, e.g. "12345.6", "1e-05", "1.5e+20".
        let text = "\(value.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var beforePoint = 0
        var seenPoint = false
        for ch in mantissa {
            if ch == "." { seenPoint = true; continue }
            guard let d = ch.wholeNumberValue else { continue }
            digits.append(UInt8(d))
            if !seenPoint { beforePoint += 1 }
        }
        pointPosition = beforePoint + exponent
        while let first = digits.first, first == 0 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == 0 { digits.removeLast() }
        if digits.isEmpty { pointPosition = 0 }
    }

    private init(digits: [UInt8], pointPosition: Int) {
        self.digits = digits
        self.pointPosition = pointPosition
    }

    var isZero: Bool { digits.isEmpty }

    /// Rounds half to even at `fractionDigits` places after the point, as jsonata's `$round` does.
    func rounded(fractionDigits: Int) -> DecimalDigits {
        let keep = pointPosition + fractionDigits
        if keep >= digits.count { return self }
        if keep < 0 { return DecimalDigits(digits: [], pointPosition: 0) }
        var kept = Array(digits[..<keep])
        let first = digits[keep]
        let restNonZero = digits[(keep + 1)...].contains { $0 != 0 }
        let previousOdd = (kept.last ?? 0) % 2 == 1
        let roundUp = first > 5 || (first == 5 && (restNonZero || previousOdd))
        var point = pointPosition
        if roundUp {
            var i = kept.count - 1
            while i >= 0 {
                if kept[i] == 9 {
                    kept[i] = 0
                    i -= 1
                } else {
                    kept[i] += 1
                    break
                }
            }
            if i < 0 {
                kept.insert(1, at: 0)
                point += 1
            }
        }
        while let last = kept.last, last == 0 { kept.removeLast() }
        if kept.isEmpty { point = 0 }
        return DecimalDigits(digits: kept, pointPosition: point)
    }

    /// The ASCII digits before the point ("0" when there are none) and exactly `fractionDigits`
    /// digits after it, like `Number#toFixed` on a value already rounded to that many places.
    func fixed(fractionDigits: Int) -> (integer: String, fraction: String) {
        var integer = ""
        if pointPosition <= 0 {
            integer = "0"
        } else {
            for i in 0..<pointPosition {
                integer.append(i < digits.count ? Character(String(digits[i])) : "0")
            }
        }
        var fraction = ""
        var i = pointPosition
        while fraction.count < fractionDigits {
            fraction.append(i >= 0 && i < digits.count ? Character(String(digits[i])) : "0")
            i += 1
        }
        return (integer, fraction)
    }
}

/// JavaScript's `String(n)` for a finite number: plain digits below 1e21, exponent form above,
/// and exponent form below 1e-6, so results match jsonata-js where it stringifies numbers.
func javaScriptString(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    if value == 0 { return "0" }
    let d = DecimalDigits(value)
    let sign = value < 0 ? "-" : ""
    let digits = d.digits.map { String($0) }.joined()
    let k = d.digits.count
    let n = d.pointPosition
    if k <= n && n <= 21 {
        return sign + digits + String(repeating: "0", count: n - k)
    }
    if 0 < n && n <= 21 {
        let cut = digits.index(digits.startIndex, offsetBy: n)
        return sign + digits[..<cut] + "." + digits[cut...]
    }
    if -6 < n && n <= 0 {
        return sign + "0." + String(repeating: "0", count: -n) + digits
    }
    let exponent = n - 1
    let expText = exponent < 0 ? "-\(-exponent)" : "+\(exponent)"
    if k == 1 { return sign + digits + "e" + expText }
    return sign + String(digits.first!) + "." + digits.dropFirst() + "e" + expText
}

/// Rounds half to even to an integer, as jsonata's `$round(n)` does.
func roundHalfEven(_ value: Double) -> Double {
    guard value.isFinite else { return value }
    let r = value.rounded(.toNearestOrEven)
    return r == 0 ? 0 : r
}
