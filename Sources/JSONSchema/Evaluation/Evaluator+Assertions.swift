import RuntimeSupport
import Foundation
import JSONModel

/// The keywords that check a value itself (type, enum, const, numbers, strings, sizes).
extension Evaluator {
    @inline(never)
    mutating func applyAssertion(_ kind: Keyword.Kind, _ value: JSONValue) -> Bool {
        switch kind {
        case .type(let set, let names):
            if set.matches(value) { return true }
            let found = value.typeName
            report("type", "expected \(Messages.list(names.map(Messages.typeName))), found \(Messages.typeName(found))",
                   .type(expected: names, found: found))
            return false

        case .enumeration(let values, let set):
            if values.count <= 8 ? values.contains(where: { JSONEquality.equal($0, value) }) : set.contains(ExactJSON(value: value)) {
                return true
            }
            if collecting {
                let allowed = values.count <= 12
                    ? Messages.list(values.map { Messages.value($0) })
                    : values.prefix(10).map { Messages.value($0) }.joined(separator: ", ") + " or one of \(values.count - 10) more"
                report("enum", "expected one of \(allowed), found \(Messages.value(value))", .enumeration(allowed: values))
            }
            return false

        case .constant(let expected):
            if JSONEquality.equal(value, expected) { return true }
            report("const", "expected \(Messages.value(expected)), found \(Messages.value(value))", .constant(expected))
            return false

        case .multipleOf(let divisor):
            guard case .number(let n) = value else { return true }
            if Evaluator.isMultiple(n, of: divisor) { return true }
            report("multipleOf", "expected a multiple of \(divisor), found \(n)")
            return false

        case .maximum(let limit):
            guard case .number(let n) = value else { return true }
            if !Evaluator.less(limit, n) { return true }
            report("maximum", "expected a number less than or equal to \(limit), found \(n)")
            return false

        case .exclusiveMaximum(let limit):
            guard case .number(let n) = value else { return true }
            if Evaluator.less(n, limit) { return true }
            report("exclusiveMaximum", "expected a number less than \(limit), found \(n)")
            return false

        case .minimum(let limit):
            guard case .number(let n) = value else { return true }
            if !Evaluator.less(n, limit) { return true }
            report("minimum", "expected a number greater than or equal to \(limit), found \(n)")
            return false

        case .exclusiveMinimum(let limit):
            guard case .number(let n) = value else { return true }
            if Evaluator.less(limit, n) { return true }
            report("exclusiveMinimum", "expected a number greater than \(limit), found \(n)")
            return false

        case .maxLength(let limit):
            guard case .string(let s) = value, s.utf8.count > limit else { return true }
            let length = s.unicodeScalars.count
            if length <= limit { return true }
            report("maxLength", "expected at most \(Messages.plural(limit, "character")), found \(length)")
            return false

        case .minLength(let limit):
            guard case .string(let s) = value else { return true }
            let length = s.unicodeScalars.count
            if length >= limit { return true }
            report("minLength", "expected at least \(Messages.plural(limit, "character")), found \(length)")
            return false

        case .pattern(let regex):
            guard case .string(let s) = value else { return true }
            if regex.matches(s) { return true }
            report("pattern", "expected a string matching the pattern '\(regex.source)', found \(Messages.value(value))")
            return false

        case .format(let name, let check):
            guard case .string(let s) = value else { return true }
            if check(s) { return true }
            report("format", "expected a valid \(name), found \(Messages.value(value))")
            return false

        case .maxItems(let limit):
            guard case .array(let a) = value, a.count > limit else { return true }
            report("maxItems", "expected at most \(Messages.plural(limit, "item")), found \(a.count)")
            return false

        case .minItems(let limit):
            guard case .array(let a) = value, a.count < limit else { return true }
            report("minItems", "expected at least \(Messages.plural(limit, "item")), found \(a.count)")
            return false

        case .uniqueItems:
            guard case .array(let a) = value, a.count > 1 else { return true }
            var seen: [ExactJSON: Int] = [:]
            for (i, item) in a.enumerated() {
                if let first = seen[ExactJSON(value: item)] {
                    report("uniqueItems", "expected unique items, but the items at index \(first) and \(i) are equal")
                    return false
                }
                seen[ExactJSON(value: item)] = i
            }
            return true

        case .maxProperties(let limit):
            guard case .object(let o) = value, o.count > limit else { return true }
            report("maxProperties", "expected at most \(Messages.plural(limit, "property", "properties")), found \(o.count)")
            return false

        case .minProperties(let limit):
            guard case .object(let o) = value, o.count < limit else { return true }
            report("minProperties", "expected at least \(Messages.plural(limit, "property", "properties")), found \(o.count)")
            return false

        case .required(let names):
            guard case .object(let o) = value else { return true }
            var valid = true
            for name in names where !o.contains(name) {
                valid = false
                if !collecting { return false }
                report("required", "missing required property '\(name)'", .required(missing: name))
            }
            return valid

        case .dependentRequired(let list):
            guard case .object(let o) = value else { return true }
            var valid = true
            for (trigger, names) in list where o.contains(trigger) {
                for name in names where !o.contains(name) {
                    valid = false
                    if !collecting { return false }
                    schemaPath.append(trigger)
                    report("dependentRequired", "missing property '\(name)', which is required when '\(trigger)' is present",
                           .required(missing: name))
                    schemaPath.removeLast()
                }
            }
            return valid

        default:
            return true
        }
    }


    // MARK: - Numbers

    /// `a < b`, exactly. Doubles parsed from literals are correctly rounded, and rounding is
    /// monotonic, so different doubles already order the exact values; only equal doubles
    /// need the (slow) `Decimal` comparison.
    @inline(__always)
    static func less(_ a: JSONNumber, _ b: JSONNumber) -> Bool {
        if a.double != b.double { return a.double < b.double }
        return a < b
    }

    /// `|n|` as `significand × 10^exponent` with a significand below 2^40, read from the
    /// decimal's exponent and the correctly rounded double (the two roundings involved stay
    /// far below 0.5 at that size, so rounding recovers the exact significand).
    @inline(__always)
    static func scaled(_ n: JSONNumber) -> (significand: UInt64, exponent: Int)? {
        guard let d = n.decimal else { return nil }
        let exponent = d.exponent
        guard exponent > -23 && exponent < 23 else { return nil }
        let power = doublePowersOfTen[abs(exponent)]
        let s = exponent >= 0 ? abs(n.double) / power : abs(n.double) * power
        guard s < 1_099_511_627_776 else { return nil }
        return (UInt64(s.rounded()), exponent)
    }

    static let doublePowersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { r, _ in r * 10 } }

    static let powersOfTen: [UInt64] = (0...19).map { (0..<$0).reduce(UInt64(1)) { r, _ in r * 10 } }

    /// Exact for decimal values (integer arithmetic when the significands fit 64 bits, else
    /// `Decimal`); falls back to `Double` (an infinite or inexact quotient is never a multiple).
    static func isMultiple(_ value: JSONNumber, of divisor: JSONNumber) -> Bool {
        if let x = scaled(value), let y = scaled(divisor), y.significand != 0 {
            if x.significand == 0 { return true }
            let common = min(x.exponent, y.exponent)
            let shiftX = x.exponent - common
            let shiftY = y.exponent - common
            if shiftX < powersOfTen.count, shiftY < powersOfTen.count {
                let (numerator, overflowX) = x.significand.multipliedReportingOverflow(by: powersOfTen[shiftX])
                let (denominator, overflowY) = y.significand.multipliedReportingOverflow(by: powersOfTen[shiftY])
                if !overflowX && !overflowY { return numerator % denominator == 0 }
            }
        }
        if var a = value.decimal, var b = divisor.decimal {
            var quotient = Decimal()
            let status = NSDecimalDivide(&quotient, &a, &b, .plain)
            if status == .noError || status == .lossOfPrecision {
                var rounded = Decimal()
                NSDecimalRound(&rounded, &quotient, 0, .plain)
                guard rounded == quotient else { return false }
                var product = Decimal()
                guard NSDecimalMultiply(&product, &rounded, &b, .plain) == .noError else { return false }
                return product == a
            }
        }
        let quotient = value.double / divisor.double
        guard quotient.isFinite else {
            // The quotient overflows: an exact remainder still answers (1e308 is a multiple of 0.5).
            let remainder = value.double.truncatingRemainder(dividingBy: divisor.double)
            return value.double.isFinite && remainder == 0
        }
        return quotient.rounded(.towardZero) == quotient
    }
}
