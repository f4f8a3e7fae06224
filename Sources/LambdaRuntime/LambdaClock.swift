#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in whole milliseconds since the Unix epoch: the unit in which the Runtime API
/// states an invocation's deadline (`Lambda-Runtime-Deadline-Ms`,
/// [next invocation](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next)).
///
/// A deadline comes from another machine's clock, so it can only be compared with this
/// machine's wall clock, not with `ContinuousClock`; ``sleep(until:tolerance:)`` converts the
/// wait into a `ContinuousClock` sleep, so a wall-clock step during the wait does not stretch it.
///
/// ```swift
/// try await LambdaClock().sleep(until: context.deadline.advanced(by: .milliseconds(-500)))
/// ```
public struct LambdaClock: Clock, Sendable {
    /// A point in wall-clock time, in milliseconds since 1970-01-01T00:00:00Z.
    public struct Instant: InstantProtocol, Sendable, Hashable, CustomStringConvertible {
        /// Milliseconds since the Unix epoch, as `Lambda-Runtime-Deadline-Ms` carries them.
        public var millisecondsSinceEpoch: Int64

        /// The instant `millisecondsSinceEpoch` milliseconds after the Unix epoch.
        public init(millisecondsSinceEpoch: Int64) {
            self.millisecondsSinceEpoch = millisecondsSinceEpoch
        }

        /// The instant of a `Lambda-Runtime-Deadline-Ms` header value: a decimal count of
        /// milliseconds, or `nil` when the text is anything else (empty, signed, fractional,
        /// too large).
        public init?(millisecondsSinceEpoch text: some StringProtocol) {
            // Digit by digit (this runs for every invocation): at most 18 digits, so no overflow.
            var value: Int64 = 0
            var digits = 0
            for byte in text.utf8 {
                guard byte >= 0x30, byte <= 0x39, digits < 18 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                digits += 1
            }
            guard digits > 0 else { return nil }
            millisecondsSinceEpoch = value
        }

        /// This instant moved by `duration`, truncated to whole milliseconds.
        public func advanced(by duration: Duration) -> Instant {
            Instant(millisecondsSinceEpoch: millisecondsSinceEpoch &+ duration.wholeMilliseconds)
        }

        /// The time from this instant to `other`; negative when `other` is earlier.
        public func duration(to other: Instant) -> Duration {
            .milliseconds(other.millisecondsSinceEpoch &- millisecondsSinceEpoch)
        }

        /// Whether `lhs` is earlier than `rhs`.
        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
        }

        /// The milliseconds since the epoch, as the Runtime API writes them.
        public var description: String { String(millisecondsSinceEpoch) }
    }

    /// The wall clock.
    public init() {}

    /// The current wall-clock time, truncated to the millisecond.
    public var now: Instant {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Instant(millisecondsSinceEpoch: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }

    /// One millisecond: the precision of the deadlines this clock exists for.
    public var minimumResolution: Duration { .milliseconds(1) }

    /// Suspends until `deadline` by this clock, or returns at once when it has passed; throws
    /// `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let remaining = now.duration(to: deadline)
        guard remaining > .zero else {
            try Task.checkCancellation()
            return
        }
        try await ContinuousClock().sleep(for: remaining, tolerance: tolerance)
    }
}

extension Duration {
    /// This duration in whole milliseconds, truncated toward zero, saturating at the `Int64`
    /// limits.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        // 10^15 attoseconds per millisecond; the attosecond part has the same sign as seconds.
        let (total, sumOverflow) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !sumOverflow else { return seconds < 0 ? .min : .max }
        return total
    }
}
