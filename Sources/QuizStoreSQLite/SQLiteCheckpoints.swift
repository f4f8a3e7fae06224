import CSQLite

/// When a connection checkpoints the WAL: installed as its WAL hook, in place of the one
/// `PRAGMA wal_autocheckpoint` would set, with the same mark (`Configuration.checkpointPages`)
/// ([WAL](https://www.sqlite.org/wal.html), [checkpoints](https://www.sqlite.org/c3ref/wal_checkpoint_v2.html)).
///
/// SQLite's automatic checkpoint is passive: in the commit that finds the WAL past its mark, it
/// copies what it can without waiting for anyone, and the next writer starts the WAL over only if
/// nobody has committed since and no reader still reads from the WAL. One process alone meets
/// that every time. Several processes writing one file all the time (the workers of
/// `local-runner serve`) never do: the WAL grows past the mark (past 130 MiB in half a minute
/// of `make bench-serve`), and every commit past it runs another small checkpoint with its fsyncs,
/// which cost the request that runs it more than anything else it does.
///
/// So the commit that finds the WAL at its mark runs a *restart* checkpoint instead: it waits
/// (100 ms at most) for the other writers and readers, copies the whole WAL, and lets the next
/// writer start the WAL over. Alone, that is the one checkpoint per mark SQLite would run; with
/// several processes the WAL stays at its mark and there is one checkpoint per mark for all of
/// them. A restart that could not finish in its 100 ms copies what it could, and this connection
/// tries again no sooner than half a second later.
final class SQLiteCheckpoints {
    /// The WAL's length, in pages, at which a commit checkpoints.
    private let pages: Int32
    /// The connection's busy handler, whose limit a checkpoint shortens while it waits.
    private let busyWait: SQLiteBusyWait
    /// No checkpoint before this.
    private var notBefore = ContinuousClock.now

    /// How long a checkpoint waits for other writers and readers.
    static let wait: Duration = .milliseconds(100)
    /// How soon a connection whose restart did not finish tries again.
    static let retryAfter: Duration = .milliseconds(500)

    init(pages: Int, busyWait: SQLiteBusyWait) {
        self.pages = Int32(clamping: max(1, pages))
        self.busyWait = busyWait
    }

    /// Sets the WAL hook of `handle`; the hook lives as long as this object.
    func install(on handle: OpaquePointer) {
        sqlite3_wal_hook(handle, Self.hook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// `sqlite3_wal_hook`'s callback, after each commit: `frames` is the WAL's length in pages.
    private static let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
        context, handle, name, frames in
        guard let context, let handle else { return SQLITE_OK }
        let checkpoints = Unmanaged<SQLiteCheckpoints>.fromOpaque(context).takeUnretainedValue()
        guard frames >= checkpoints.pages else { return SQLITE_OK }
        let now = ContinuousClock.now
        guard now >= checkpoints.notBefore else { return SQLITE_OK }
        let limit = checkpoints.busyWait.limitMicroseconds
        checkpoints.busyWait.limitMicroseconds = SQLiteBusyWait.microseconds(wait)
        let status = sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_RESTART, nil, nil)
        checkpoints.busyWait.limitMicroseconds = limit
        if status != SQLITE_OK { checkpoints.notBefore = now + retryAfter }
        // The commit is done whatever the checkpoint did: it is never the caller's error.
        return SQLITE_OK
    }
}
