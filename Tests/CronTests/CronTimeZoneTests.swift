import Foundation
import Testing
import Cron

@Test(arguments: ["Europe/Paris", "UTC", "GMT", "Etc/UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires",
                  "Australia/Sydney", "America/New_York", "Australia/Lord_Howe"])
func ianaNamesResolve(_ name: String) {
    let timeZone = CronTimeZone.resolve(name)
    #expect(timeZone != nil)
    #expect(timeZone?.secondsFromGMT(for: instant("2026-01-15T00:00:00Z")) == TimeZone(identifier: name)?
        .secondsFromGMT(for: instant("2026-01-15T00:00:00Z")))
    #expect(CronTimeZone.suggestion(for: name) == nil)
}

@Test(arguments: ["CET", "EST", "PST", "PST8PDT", "GMT+2", "europe/paris", "Europe/Pariss", "Europe/Paris ",
                  "Foo/Bar", "", "Europe/", "/Paris", "utc"])
func otherNamesDoNotResolve(_ name: String) {
    #expect(CronTimeZone.resolve(name) == nil)
}

@Test(arguments: [
    ("europe/paris", "Europe/Paris"),
    ("utc", "UTC"),
    ("CET", "Europe/Paris"),
    ("EST", "America/New_York"),
    ("New York", "America/New_York"),
    ("sydney", "Australia/Sydney"),
    ("Europe/Pars", "Europe/Paris"),
    ("Amerca/Chicago", "America/Chicago"),
    ("Australia/Sidney", "Australia/Sydney"),
    ("Europe/Pariss", "Europe/Paris"),
])
func suggestionsForNearMisses(_ name: String, _ expected: String) {
    #expect(CronTimeZone.suggestion(for: name) == expected)
    #expect(CronTimeZone.resolve(expected) != nil)
}

@Test(arguments: ["xyzzy", "", "Mars/Olympus_Mons", "12345"])
func noSuggestionWhenNothingIsClose(_ name: String) {
    #expect(CronTimeZone.suggestion(for: name) == nil)
}
