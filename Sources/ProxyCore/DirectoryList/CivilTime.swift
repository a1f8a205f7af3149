/// A calendar date and time of day in UTC, checked to exist (no Feb 30, no
/// 25:00), convertible to and from seconds since the epoch without the C
/// library, so listings from any backend are dated the same way in tests
/// and in the daemon.
public struct CivilTime: Equatable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int

    /// nil when the fields name no real moment (or a year outside 1000-9999,
    /// which the 4-digit MLSD `modify` fact cannot carry).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1000...9999).contains(year), (1...12).contains(month),
              (1...CivilTime.daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    /// The UTC calendar time of `epochSeconds`.
    public init(epochSeconds: Int64) {
        let days = Int(epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400)
        let secs = Int(epochSeconds - Int64(days) * 86_400)
        let (y, m, d) = CivilTime.civil(fromDays: days)
        // The epoch range we are given (a clock) always fits 1000-9999.
        year = y; month = m; day = d
        hour = secs / 3600; minute = secs % 3600 / 60; second = secs % 60
    }

    public var epochSeconds: Int64 {
        Int64(CivilTime.days(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// YYYYMMDDHHMMSS, the form of the MLSD `modify` fact (RFC 3659 time-val).
    public var factValue: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(hour, 2) + pad(minute, 2) + pad(second, 2)
    }

    public var description: String { factValue }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    public static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date: count whole
    /// 400-year eras from 0000-03-01 (putting Feb 29 last in each year).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12           // March = 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days(year:month:day:)`.
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `ls -l` prints a time instead of a year for recent files: GNU ls
    /// for the last six months, ProFTPD for less than 180 days old or in
    /// the future. Either way the date is within about six months of `now`,
    /// so the year is the one (of the years before, of and after `now`)
    /// that puts the date closest to `now`.
    public static func recent(month: Int, day: Int, hour: Int, minute: Int, now: Int64) -> CivilTime? {
        let thisYear = CivilTime(epochSeconds: now).year
        var best: CivilTime?
        for year in [thisYear - 1, thisYear, thisYear + 1] {
            guard let candidate = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute) else { continue }
            if best.map({ abs(candidate.epochSeconds - now) < abs($0.epochSeconds - now) }) ?? true {
                best = candidate
            }
        }
        return best
    }
}
