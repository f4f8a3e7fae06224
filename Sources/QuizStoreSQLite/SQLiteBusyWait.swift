import CSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a connection waits for a lock another process holds: its busy handler
/// ([sqlite3_busy_handler](https://www.sqlite.org/c3ref/busy_handler.html)), in place of the
/// one `sqlite3_busy_timeout` installs, with the same total time limit.
///
/// SQLite's own handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms between
/// tries. A write transaction of this store holds the file's write lock for a fraction of a
/// millisecond, so with several processes writing one file (the workers of
/// `local-runner serve`) nearly every conflict was over long before the first 1 ms sleep
/// ended, and a worker spent a sixth of its time asleep while holding a request
/// (docs/local-runner.md, "Where an answer's time goes"). This handler tries again after 50 µs,
/// and doubles the pause up to 2 ms, until the time limit: a try costs one `fcntl`, far less
/// than the time lost.
final class SQLiteBusyWait {
    /// How long one wait may last in all, in microseconds.
    let limitMicroseconds: Int

    /// The pause before the first retry and the longest pause, in microseconds.
    static let firstPause = 50
    static let longestPause = 2_000

    init(limit: Duration) {
        limitMicroseconds = Self.microseconds(limit)
    }

    /// `duration` in whole microseconds, clamped to what an `Int` holds.
    static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = Int(clamping: seconds).multipliedReportingOverflow(by: 1_000_000)
        return overflow ? (seconds < 0 ? Int.min : Int.max) : whole &+ Int(attoseconds / 1_000_000_000_000)
    }

    /// The pause before retry number `retry` (0 for the first) and the time waited before it,
    /// both in microseconds: 50, 100, 200, … up to 2,000 each.
    static func pause(before retry: Int) -> (pause: Int, waited: Int) {
        // Doubling from 50 µs reaches 2 ms after 6 steps (50·2^5 = 1,600; the 7th is capped).
        let doublings = 6
        if retry < doublings {
            let pause = firstPause << retry
            return (pause, firstPause * ((1 << retry) - 1))
        }
        let waitedBefore = firstPause * ((1 << doublings) - 1)
        return (longestPause, waitedBefore + (retry - doublings) * longestPause)
    }

    /// Installs this handler on `handle`; it lives as long as this object.
    func install(on handle: OpaquePointer) {
        sqlite3_busy_handler(handle, Self.handler, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Set around a try that must not wait: the first busy answer then fails at once
    /// (`SQLiteConnection` tries `BEGIN IMMEDIATE` so before it lines up in the writers' gate).
    var failsAtOnce = false

    /// Whether to try again after the `retry`-th busy answer of one wait, after pausing; false
    /// once the limit is reached, or at once while ``failsAtOnce`` (the caller then gets
    /// `SQLITE_BUSY`).
    func waitBeforeRetry(_ retry: Int) -> Bool {
        if failsAtOnce { return false }
        var (pause, waited) = Self.pause(before: retry)
        let remaining = limitMicroseconds - waited
        guard remaining > 0 else { return false }
        pause = min(pause, remaining)
        usleep(UInt32(pause))
        return true
    }

    /// `sqlite3_busy_handler`'s callback: `count` is how many times it ran for this wait.
    private static let handler: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32 = { context, count in
        guard let context else { return 0 }
        let wait = Unmanaged<SQLiteBusyWait>.fromOpaque(context).takeUnretainedValue()
        return wait.waitBeforeRetry(Int(count)) ? 1 : 0
    }
}
