import QuizHTTP

/// The `X-Quiz-Now` header (docs/memory-model.md, "Time travel"): with `QUIZ_ALLOW_CLOCK_HEADER=1`
/// in a function's environment, it sets the time a request is handled at, so tests and replays can
/// review across months in seconds. Without the switch the header is ignored. The deployment
/// template never sets the switch.
///
/// The value is epoch milliseconds (`1767225600000`) or an RFC 3339 date-time
/// (`2026-01-01T00:00:00Z`, `2026-01-01T09:30:00.250+02:00`;
/// [RFC 3339 §5.6](https://www.rfc-editor.org/rfc/rfc3339#section-5.6)), between the years 1970 and
/// 9999.
enum ClockHeader {
    /// The header's name, as the request's headers spell it (lowercase).
    static let name = "x-quiz-now"

    /// The latest time accepted: 9999-12-31T23:59:59.999Z.
    static let latest: Int64 = 253_402_300_799_999

    /// The time `text` names, in epoch milliseconds, or 400 for anything else.
    static func milliseconds(_ text: String) throws(APIError) -> Int64 {
        guard let value = time(text) else {
            throw APIError.badRequest("X-Quiz-Now must be epoch milliseconds or an RFC 3339 date-time between 1970 and 9999.")
        }
        return value
    }

    /// The time `text` names (epoch milliseconds or RFC 3339, 1970…9999), in epoch milliseconds;
    /// `nil` for anything else. Also what `dueBefore` in the memory listing takes.
    static func time(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.count <= 16, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard let value = Int64(text), value <= latest else { return nil }
            return value
        }
        guard let value = rfc3339(bytes), (0...latest).contains(value) else { return nil }
        return value
    }

    /// An RFC 3339 `date-time` in epoch milliseconds; `nil` when it is not one.
    static func rfc3339(_ bytes: [UInt8]) -> Int64? {
        var position = 0
        func number(_ width: Int) -> Int? {
            guard position + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + width)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += width
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard position < bytes.count, characters.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt "),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var milliseconds = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            var digits = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                // Digits past the millisecond are dropped (the time is kept in milliseconds).
                if digits < 3 { milliseconds = milliseconds * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { milliseconds *= 10 }
        }
        var offsetMinutes = 0
        if expect("Zz") {
            // UTC.
        } else if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
            let sign = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            position += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        } else {
            return nil
        }
        guard position == bytes.count else { return nil }
        // A leap second is read as the last millisecond-aligned second before the next minute.
        let seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
            - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(milliseconds)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date
    /// ([Howard Hinnant's days_from_civil](https://howardhinnant.github.io/date_algorithms.html#days_from_civil)).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
