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
/// several processes each asks its own checkpoint thread, SQLite lets one checkpoint run at a
/// time, and the WAL stays near its mark.
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

    /// One connection's WAL hook: after each commit, asks for a checkpoint when the WAL has grown
    /// by a step past half the mark.
    final class Watch {
        private let checkpoints: SQLiteCheckpoints
        /// The WAL length at which this connection asks next.
        private var nextRequest: Int32
        private let first: Int32
        private let step: Int32

        init(_ checkpoints: SQLiteCheckpoints) {
            self.checkpoints = checkpoints
            first = max(1, checkpoints.pages / 2)
            step = max(1, checkpoints.pages / 8)
            nextRequest = first
        }

        /// Sets the WAL hook of `handle`; the hook lives as long as this object.
        func install(on handle: OpaquePointer) {
            sqlite3_wal_hook(handle, Self.hook, Unmanaged.passUnretained(self).toOpaque())
        }

        /// `sqlite3_wal_hook`'s callback, after each commit: `frames` is the WAL's length in pages.
        private static let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, _, _, frames in
            guard let context else { return SQLITE_OK }
            let watch = Unmanaged<Watch>.fromOpaque(context).takeUnretainedValue()
            // Below half the mark: the WAL started over since the last request.
            guard frames >= watch.first else {
                watch.nextRequest = watch.first
                return SQLITE_OK
            }
            guard frames >= watch.nextRequest || frames >= watch.checkpoints.pages else { return SQLITE_OK }
            watch.nextRequest = Int32(clamping: Int64(frames) + Int64(watch.step))
            watch.checkpoints.request(frames: frames)
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
