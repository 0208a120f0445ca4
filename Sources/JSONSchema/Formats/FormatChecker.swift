#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks for the `format` values the validator asserts when asked to.
///
/// Formats it does not know are annotations only (always valid), as the specification requires.
enum FormatChecker {
    /// The checker for `name`, or nil for a format that is not asserted.
    static func checker(for name: String) -> (@Sendable (String) -> Bool)? {
        switch name {
        case "date": return isDate
        case "date-time": return isDateTime
        case "time": return isTime
        case "email", "idn-email": return isEmail
        case "ipv4": return isIPv4
        case "ipv6": return isIPv6
        case "uri": return { isURI($0, requireScheme: true) }
        case "uri-reference": return { isURI($0, requireScheme: false) }
        case "iri": return { isURI($0, requireScheme: true, allowNonASCII: true) }
        case "iri-reference": return { isURI($0, requireScheme: false, allowNonASCII: true) }
        case "uuid": return isUUID
        case "regex": return { ECMARegex($0) != nil }
        case "duration": return isDuration
        case "hostname": return isHostname
        case "json-pointer": return isJSONPointer
        case "relative-json-pointer": return isRelativeJSONPointer
        default: return nil
        }
    }

    private static func digits(_ s: ArraySlice<UInt8>) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return s.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = digits(b[0..<4]), let m = digits(b[5..<7]), let d = digits(b[8..<10])
        else { return false }
        guard (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    static func isTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 9, b[2] == UInt8(ascii: ":"), b[5] == UInt8(ascii: ":"),
            let h = digits(b[0..<2]), let mi = digits(b[3..<5]), let sec = digits(b[6..<8])
        else { return false }
        var i = 8
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48 && b[i] <= 57 { i += 1 }
            if i == start { return false }
        }
        guard i < b.count else { return false }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, b[i + 3] == UInt8(ascii: ":"),
                let oh = digits(b[(i + 1)..<(i + 3)]), let om = digits(b[(i + 4)..<(i + 6)]), oh <= 23, om <= 59
            else { return false }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        guard h <= 23, mi <= 59, sec <= 60 else { return false }
        if sec == 60 {
            // A leap second happens at 23:59:60 UTC only.
            let utc = ((h * 60 + mi - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func isDateTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count > 11, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") else { return false }
        return isDate(String(decoding: b[0..<10], as: UTF8.self)) && isTime(String(decoding: b[11...], as: UTF8.self))
    }

    /// ISO 8601 durations as RFC 3339 appendix A spells them: `P1Y2M3D`, `PT4H5M6S`, `P2W`;
    /// units in order and without gaps (`P1Y2D` and `PT1H2S` are not durations).
    static func isDuration(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        guard b.first == UInt8(ascii: "P") else { return false }
        b = b.dropFirst()
        func components(_ units: String) -> Int? {
            // Returns how many components were read, or nil when they break the order.
            let order = Array(units.utf8)
            var last: Int? = nil
            var read = 0
            while let first = b.first, first >= 48 && first <= 57 {
                var n = 0
                while let d = b.first, d >= 48 && d <= 57 { n += 1; b = b.dropFirst() }
                guard n > 0, let unit = b.first, let position = order.firstIndex(of: unit) else { return nil }
                if let last, position != last + 1 { return nil }
                last = position
                b = b.dropFirst()
                read += 1
            }
            return read
        }
        if b.count >= 2, b.last == UInt8(ascii: "W") {
            let digits = b.dropLast()
            return digits.allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        guard let dateParts = components("YMD") else { return false }
        if b.isEmpty { return dateParts > 0 }
        guard b.first == UInt8(ascii: "T") else { return false }
        b = b.dropFirst()
        guard let timeParts = components("HMS"), timeParts > 0 else { return false }
        return b.isEmpty
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            if p.count > 1 && p.hasPrefix("0") { return false }
            guard let v = Int(p), v <= 255 else { return false }
        }
        return true
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.utf8.allSatisfy({ $0 < 0x80 }), !s.contains("%") else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET6, s, &buffer) == 1
    }

    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty { return false }
            guard label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            guard label.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 })
            else { return false }
            // Punycode labels ("xn--") are not checked further; other "--" at 3-4 are reserved.
            let u = Array(label.utf8)
            if u.count >= 4, u[2] == 45, u[3] == 45, !label.lowercased().hasPrefix("xn") { return false }
        }
        return true
    }

    static func isEmail(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at]
        let domain = s[s.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return false }
        if local.hasPrefix("\"") && local.hasSuffix("\"") && local.count >= 2 {
            // Quoted local part: anything printable.
        } else {
            guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
            let allowed = Set("!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
            guard local.unicodeScalars.allSatisfy({ $0.value > 0x7F || $0.isASCIILetter || ("0"..."9").contains($0) || allowed.contains($0) })
            else { return false }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.hasPrefix("IPv6:") { return isIPv6(String(inner.dropFirst(5))) }
            return isIPv4(String(inner))
        }
        return isHostname(String(domain)) || domain.unicodeScalars.contains { $0.value > 0x7F }
    }

    static func isUUID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return false }
            } else if URIReference.hexValue(c) == nil {
                return false
            }
        }
        return true
    }

    static func isJSONPointer(_ s: String) -> Bool {
        if s.isEmpty { return true }
        guard s.hasPrefix("/") else { return false }
        let b = Array(s.utf8)
        for (i, c) in b.enumerated() where c == UInt8(ascii: "~") {
            guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "0") || b[i + 1] == UInt8(ascii: "1") else { return false }
        }
        return true
    }

    static func isRelativeJSONPointer(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count, b[i] >= 48 && b[i] <= 57 { i += 1 }
        guard i > 0, !(i > 1 && b[0] == 48) else { return false }
        let rest = String(decoding: b[i...], as: UTF8.self)
        return rest == "#" || isJSONPointer(rest)
    }

    static func isURI(_ s: String, requireScheme: Bool, allowNonASCII: Bool = false) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < b.count, URIReference.hexValue(b[i + 1]) != nil, URIReference.hexValue(b[i + 2]) != nil else { return false }
                i += 3
                continue
            }
            if c >= 0x80 {
                guard allowNonASCII else { return false }
            } else {
                let ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
                    || "-._~:/?#[]@!$&'()*+,;=".utf8.contains(c)
                guard ok else { return false }
            }
            i += 1
        }
        let ref = URIReference(s)
        if requireScheme && ref.scheme == nil { return false }
        if ref.scheme == nil, let colon = s.firstIndex(of: ":"),
            !s[..<colon].contains("/"), !s[..<colon].contains("?"), !s[..<colon].contains("#")
        {
            return false  // "1a:b" is neither a URI (bad scheme) nor a relative reference
        }
        if let authority = ref.authority {
            // userinfo@host:port — at most one '@', a numeric port, brackets only around an IP literal.
            let parts = authority.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return false }
            var host = Substring(parts[parts.count - 1])
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { return false }
                let inner = host[host.index(after: host.startIndex)..<close]
                guard isIPv6(String(inner)) || inner.hasPrefix("v") else { return false }
                host = host[host.index(after: close)...]
                guard host.isEmpty || host.hasPrefix(":") else { return false }
            } else if host.contains("[") || host.contains("]") {
                return false
            }
            if let colon = host.lastIndex(of: ":") {
                guard host[host.index(after: colon)...].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            }
            if parts.count == 2, parts[0].contains("[") || parts[0].contains("]") { return false }
        }
        if ref.path.contains("[") || ref.path.contains("]") { return false }
        return true
    }
}
