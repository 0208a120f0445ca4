import Foundation
import Testing
@testable import ExpressionFormatting

@Suite struct DateTimeFormattingTests {
    /// 2018-07-11T12:00:00Z, a Wednesday.
    static let noonJuly11: Double = 1_531_310_400_000

    @Test(arguments: [
        (0.0, nil, nil, "1970-01-01T00:00:00.000Z"),
        (-1, nil, nil, "1969-12-31T23:59:59.999Z"),
        (1.9, nil, nil, "1970-01-01T00:00:00.001Z"),
        (-1.5, nil, nil, "1969-12-31T23:59:59.999Z"),
        (noonJuly11, nil, "+0100", "2018-07-11T13:00:00.000+01:00"),
        (noonJuly11, "[H01]:[m01][Z]", "-0530", "06:30-05:30"),
        (noonJuly11, "[H01]:[m01][Z]", "+05:30", "17:30+05:30"),
        (noonJuly11, "[H01]:[m01] [Z0]", "-0030", "11:30 -0:30"),
        (noonJuly11, "[z]", "+0000", "GMT+00:00"),
        (noonJuly11, "[h] [P]", nil, "12 pm"),
        (0, "[h] [PN]", nil, "12 AM"),
        (noonJuly11, "[MNn,*-3] [FN,2-2]", nil, "Jul WE"),
        (1_531_353_600_000, "[D1] [MNn] [Y]", "-0100", "11 July 2018"),
        (noonJuly11, "[Y0001]-[d001] [C] [E]", nil, "2018-192 ISO ISO"),
        (-62_135_596_800_000, "[Y0001]-[M01]-[D01] [FNn]", nil, "0001-01-01 Monday"),
        (253_402_300_799_999, nil, nil, "9999-12-31T23:59:59.999Z"),
    ] as [(Double, String?, String?, String)])
    func format(millis: Double, picture: String?, timezone: String?, expected: String) throws {
        #expect(try DateTimeFormatting.format(millis: millis, picture: picture, timezone: timezone) == expected)
    }

    @Test(arguments: [
        (noonJuly11, "[Y", "D3135"), (noonJuly11, "[q]", "D3132"), (noonJuly11, "[HN]", "D3133"),
        (noonJuly11, "[Z010101]", "D3134"), (noonJuly11, "[Yα]", "D3130"), (noonJuly11, "[D0٠]", "D3131"),
        (.nan, "[Y]", "D3137"), (1e20, "[Y]", "D3137"),
    ])
    func formatErrors(millis: Double, picture: String, code: String) {
        do {
            _ = try DateTimeFormatting.format(millis: millis, picture: picture, timezone: nil)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test(arguments: [
        ("2018-01-01T10:00:00+01:00", 1_514_797_200_000.0),
        ("2018-01-01T10:00:00.1234Z", 1_514_800_800_123),
        ("2018-01-01T10:00:00-0130", 1_514_806_200_000),
        ("2018-01-01T24:00:00Z", 1_514_851_200_000),
        ("2018-01-01T10:00:00", 1_514_800_800_000),
        ("2018-07", 1_530_403_200_000),
    ])
    func parseISO(text: String, expected: Double) throws {
        #expect(try DateTimeFormatting.parse(text, picture: nil) == expected)
    }

    @Test(arguments: ["2018-02-30", "2018-13-01", "2018-01-01T25:00:00Z", "2018-01-01-01"])
    func parseISOInvalidDate(text: String) throws {
        #expect(try DateTimeFormatting.parse(text, picture: nil) == nil)
    }

    @Test(arguments: ["foo", "18-01-01", "2018-01-01 10:00:00", "2018-01-01T10:00Z", ""])
    func parseISOWrongShape(text: String) {
        #expect(throws: FormattingError.self) { try DateTimeFormatting.parse(text, picture: nil) }
        do {
            _ = try DateTimeFormatting.parse(text, picture: nil)
        } catch {
            #expect(error.code == "D3110")
            #expect(error.message.hasSuffix("Given \"\(text)\""))
        }
    }

    @Test(arguments: [
        ("13:45", "[H]:[m]", 1_699_969_500_000.0),
        ("3/15", "[M]/[D]", 1_678_838_400_000),
        ("2018-5-7", "[Y]-[M]-[D]", 1_525_651_200_000),
        ("12:30 pm", "[h]:[m] [P]", 1_699_965_000_000),
        ("12:30 AM", "[h]:[m] [P]", 1_699_921_800_000),
        ("20180711120000", "[Y0001][M01][D01][H01][m01][s01]", noonJuly11),
        ("11 jul 2018 07:00 -05:00", "[D] [MNn,3-3] [Y] [H01]:[m01] [Z]", noonJuly11),
        ("11 Jul 2018 06:30 -05:30", "[D] [MNn,3-3] [Y] [H01]:[m01] [Z]", noonJuly11),
    ])
    func parseWithPicture(text: String, picture: String, expected: Double) throws {
        // $now() is 2023-11-14T22:13:20Z.
        #expect(try DateTimeFormatting.parse(text, picture: picture, now: 1_700_000_000_000) == expected)
    }

    @Test(arguments: [("Smarch 2018", "[MNn] [Y]"), ("2018-07", "[Y]/[M]"), ("Hello", "Hello")])
    func parseMismatch(text: String, picture: String) throws {
        #expect(try DateTimeFormatting.parse(text, picture: picture) == nil)
    }

    @Test(arguments: [
        ("2018-05-22", "[Y]-[M]-[q]", "D3132"), ("2018-05-22", "[YN]-[M]-[D]", "D3133"),
        ("2018-22", "[Y]-[D]", "D3136"), ("5-22 23:59", "[M]-[D] [m]:[s]", "D3136"),
        ("2018-32-5", "[X]-[W]-[F1]", "D3136"), ("2018-05", "[Y]-[Mα]", "D3130"), ("2018", "[Y", "D3135"),
    ])
    func parseErrors(text: String, picture: String, code: String) {
        do {
            _ = try DateTimeFormatting.parse(text, picture: picture)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code)
        }
    }

    /// Formatting then parsing gives the instant back, over four centuries either side of 1970.
    @Test(arguments: [
        (nil, nil),
        ("[Y0001][M01][D01][H01][m01][s01][f001]", nil),
        ("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z]", "-0530"),
        ("[FNn], [D1o] [MNn] [Y] [h]:[m]:[s].[f001] [P] [z]", "+1245"),
        ("[Y0001]--[d001] [H]:[m]:[s].[f001]", nil),
    ] as [(String?, String?)])
    func roundTrip(picture: String?, timezone: String?) throws {
        var millis = -12_000_000_000_000.0
        while millis < 12_000_000_000_000 {
            let text = try DateTimeFormatting.format(millis: millis, picture: picture, timezone: timezone)
            #expect(try DateTimeFormatting.parse(text, picture: picture) == millis, "\(millis) → \(text)")
            millis += 9_876_543_211
        }
    }

    /// The calendar arithmetic agrees with Foundation's Gregorian and ISO 8601 calendars.
    @Test func calendarAgreesWithFoundation() throws {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = try #require(TimeZone(secondsFromGMT: 0))
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = gregorian.timeZone
        for day in stride(from: Int64(-140_000), to: 150_000, by: 13) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400)
            let expected = gregorian.dateComponents([.year, .month, .day], from: date)
            let civil = CivilDateTime(millis: day * 86_400_000 + 43_200_000)
            #expect(civil.year == Int64(expected.year!) && civil.month == Int64(expected.month!) && civil.day == Int64(expected.day!))
            let week = iso.dateComponents([.weekOfYear, .yearForWeekOfYear, .weekday], from: date)
            #expect(civil.value(of: "W") == Int64(week.weekOfYear!), "day \(day)")
            #expect(civil.value(of: "X") == Int64(week.yearForWeekOfYear!), "day \(day)")
            #expect(civil.value(of: "F") == Int64((week.weekday! + 5) % 7 + 1), "day \(day)")
        }
    }
}
