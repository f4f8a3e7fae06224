import CSQLite
import QuizStore

/// How the WAL is checkpointed: on a thread of the store's own, with a connection of its own,
/// never in a commit. Installed as each connection's WAL hook in place of the one
/// `PRAGMA wal_autocheckpoint` would set ([WAL](https://www.sqlite.org/wal.html),
/// [checkpoints](https://www.sqlite.org/c3ref/wal_checkpoint_v2.html)).
///
/// SQLite's automatic checkpoint runs in the commit that finds the WAL past its mark: that
/// request copies every page changed since the last one back into the database file and
/// fsyncs both files, tens of milliseconds with an 8,000-page WAL. Here the commit only asks, and
/// the checkpoint thread does the work while requests go on:
///
/// - From half the mark, a *passive* checkpoint: it copies what it can without waiting for
///   anyone and blocks no writer. It runs again each time the WAL has grown by another eighth of
///   the mark, so most of the copying is done before the mark.
/// - At the mark, a *restart* checkpoint: it waits (100 ms at most) for other writers and
///   readers, copies the rest (little, after the passive ones), and lets the next writer start
///   the WAL over. Writers wait while it runs. A passive checkpoint alone would seldom let the WAL
///   start over while requests keep writing, and never with several processes writing one file
///   all the time (the workers of `local-runner serve`): it copies only up to the last commit it
///   saw and needs a moment when nobody reads from the WAL. A restart that could not finish in
///   its 100 ms copies what it could, and the next one waits half a second.
///
/// One process alone then checkpoints once per mark with a short stall for the last pages; with
/// several processes, the one whose commit carries the WAL across a step asks its own checkpoint
/// thread (``Watch``), SQLite lets one checkpoint run at a time, and the WAL stays near its mark.
final class SQLiteCheckpoints: Sendable {
    /// The WAL's length, in pages, at which a restart checkpoint runs.
    let pages: Int32
    /// The checkpoint thread and its connection.
    private let thread: BackendThreads<Checkpointer>

    /// How long a restart checkpoint waits for other writers and readers.
    static let wait: Duration = .milliseconds(100)
    /// How soon a restart runs again after one that did not finish.
    static let retryAfter: Duration = .milliseconds(500)

    /// Checkpoints of the database file at `path`, at a mark of `pages`.
    init(path: String, pages: Int) {
        self.pages = Int32(clamping: max(1, pages))
        thread = BackendThreads(maximumThreads: 1) { () throws(TableError) in
            // Its own connection, which waits for locks no longer than a checkpoint does and
            // never commits, so it needs no hook of its own.
            Checkpointer(connection: try SQLiteConnection(path: path, busyTimeout: Self.wait, checkpoints: nil))
        }
    }

    /// Asks for a checkpoint of a WAL `frames` pages long; ignored while one runs.
    func request(frames: Int32) {
        let restart = frames >= pages
        thread.runInBackgroundIfIdle { checkpointer in checkpointer.checkpoint(restart: restart) }
    }

    /// The watch a connection installs as its WAL hook.
    func watch() -> Watch { Watch(self) }

    /// One connection's WAL hook: after each commit, asks for a checkpoint when the commit carried
    /// the WAL past half the mark or past a further step of an eighth of it, and at every commit
    /// from the mark on.
    ///
    /// The steps are counted in the WAL, which every process shares, not in each connection's
    /// own commits: exactly one commit crosses each step, whichever process makes it, so the
    /// file gets one passive checkpoint per step however many processes write it. When each
    /// connection counted its own steps instead, sixteen processes asked sixteen times per step,
    /// and one that committed seldom found the WAL past its next step at nearly every commit:
    /// passive checkpoints ran back to back from half the mark, each copying the pages written
    /// since the last one, the hot pages again every time, with two `fdatasync`s each (the
    /// session workers of `local-runner serve` spent a quarter of their CPU on them).
    final class Watch {
        private let checkpoints: SQLiteCheckpoints
        private let first: Int32
        private let step: Int32
        /// The pages this connection had written to the WAL after its last commit
        /// (`SQLITE_DBSTATUS_CACHE_WRITE`), to tell how long the WAL was before each commit.
        private var pagesWritten: Int32 = 0

        init(_ checkpoints: SQLiteCheckpoints) {
            self.checkpoints = checkpoints
            first = max(1, checkpoints.pages / 2)
            step = max(1, checkpoints.pages / 8)
        }

        /// Sets the WAL hook of `handle`; the hook lives as long as this object.
        func install(on handle: OpaquePointer) {
            pagesWritten = Self.pagesWritten(by: handle)
            sqlite3_wal_hook(handle, Self.hook, Unmanaged.passUnretained(self).toOpaque())
        }

        /// The pages `handle` has written to the WAL since it was opened.
        private static func pagesWritten(by handle: OpaquePointer) -> Int32 {
            var current: Int32 = 0
            var highest: Int32 = 0
            sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 0)
            return current
        }

        /// Whether a commit that left the WAL `frames` pages long, having added `added` of them,
        /// should ask for a checkpoint.
        func asks(frames: Int32, added: Int32) -> Bool {
            guard frames >= first else { return false }
            if frames >= checkpoints.pages { return true }
            let before = max(0, frames - max(0, added))
            return before < first || (before - first) / step < (frames - first) / step
        }

        /// `sqlite3_wal_hook`'s callback, after each commit: `frames` is the WAL's length in pages.
        private static let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, handle, _, frames in
            guard let context, let handle else { return SQLITE_OK }
            let watch = Unmanaged<Watch>.fromOpaque(context).takeUnretainedValue()
            let written = pagesWritten(by: handle)
            let added = written &- watch.pagesWritten
            watch.pagesWritten = written
            if watch.asks(frames: frames, added: added) {
                watch.checkpoints.request(frames: frames)
            }
            // The commit is done whatever the checkpoint will do: it is never the caller's error.
            return SQLITE_OK
        }
    }
}

/// The checkpoint thread's connection, and when it may try a restart again.
final class Checkpointer {
    private let connection: SQLiteConnection
    /// No restart before this.
    private var restartNotBefore = ContinuousClock.now

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Checkpoints the WAL: passive, or a restart, which waits for writers and readers.
    ///
    /// A restart that waited its time and could not finish is not tried again for
    /// `SQLiteCheckpoints.retryAfter`: waiting holds every writer up. One that found another
    /// checkpoint running (SQLite then answers at once, with no lengths) is tried again at the
    /// next request.
    func checkpoint(restart: Bool) {
        guard restart else {
            sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            return
        }
        let now = ContinuousClock.now
        guard now >= restartNotBefore else { return }
        var walPages: Int32 = -1
        var copiedPages: Int32 = -1
        let status = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_RESTART, &walPages, &copiedPages)
        if status != SQLITE_OK, walPages >= 0 { restartNotBefore = now + SQLiteCheckpoints.retryAfter }
    }
}
