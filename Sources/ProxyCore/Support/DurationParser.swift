/// Durations as ProFTPD configuration files write them: "5", "5s", "5sec",
/// "5secs", "2m", "2min", "2mins", "1h", "1hr", "1hrs" (units are
/// case-insensitive) and "hh:mm:ss" with one or two digits per field.
///
/// Upstream's `pr_str_get_duration` only checks the last letters, so it reads
/// "2mins" as 2 seconds and ignores trailing garbage; this parser follows the
/// documented intent instead and rejects anything it does not fully understand.

/// Why a duration was refused; `description` names the text and the reason.
public struct DurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let text: String
    public let reason: String

    public var description: String {
        "invalid duration '\(ConfigText.printable(text))': \(reason)"
    }
}

/// The largest duration accepted, in seconds: ProFTPD stores timeouts in an `int`.
public let maximumDurationSeconds = Int(Int32.max)

/// Parses a ProFTPD duration into whole seconds (0 means "no timeout" where the
/// directive allows it).
public func parseDuration(_ text: String) throws -> Int {
    let bytes = Array(text.utf8)
    func fail(_ reason: String) -> DurationError { DurationError(text: text, reason: reason) }

    if bytes.isEmpty { throw fail("empty value") }
    if bytes.first == UInt8(ascii: "-") { throw fail("negative durations are not allowed") }

    if bytes.contains(UInt8(ascii: ":")) {
        return try parseClockDuration(bytes, fail: fail)
    }

    // Leading digits, then an optional unit suffix.
    var index = 0
    while index < bytes.count, ASCII.isDigit(bytes[index]) { index += 1 }
    if index == 0 { throw fail("expected a number of seconds, optionally followed by s, m or h") }

    guard let amount = ASCII.decimalValue(bytes[0..<index], limit: maximumDurationSeconds) else {
        throw fail("number too large")
    }

    let suffix = String(decoding: bytes[index...], as: UTF8.self).lowercased()
    let multiplier: Int
    switch suffix {
    case "", "s", "sec", "secs": multiplier = 1
    case "m", "min", "mins": multiplier = 60
    case "h", "hr", "hrs": multiplier = 3600
    default:
        throw fail("unknown unit '\(ConfigText.printable(suffix))' (expected s, sec, secs, m, min, mins, h, hr, hrs or hh:mm:ss)")
    }

    let (seconds, overflow) = amount.multipliedReportingOverflow(by: multiplier)
    if overflow || seconds > maximumDurationSeconds { throw fail("duration too large") }
    return seconds
}

/// "hh:mm:ss", one or two digits per field, as upstream's "%2d:%2d:%2d".
private func parseClockDuration(_ bytes: [UInt8], fail: (String) -> DurationError) throws -> Int {
    let fields = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
    guard fields.count == 3 else { throw fail("expected hh:mm:ss") }
    var values: [Int] = []
    for field in fields {
        guard (1...2).contains(field.count), field.allSatisfy(ASCII.isDigit),
              let value = ASCII.decimalValue(field, limit: 99) else {
            throw fail("expected hh:mm:ss with one or two digits per field")
        }
        values.append(value)
    }
    return values[0] * 3600 + values[1] * 60 + values[2]
}
