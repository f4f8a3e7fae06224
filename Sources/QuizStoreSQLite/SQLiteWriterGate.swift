#if canImport(Glibc)
import Glibc
#endif

/// A queue for the file's writers, across processes: a robust, process-shared mutex in a small
/// file beside the database (`<database>-writers`), taken by a writer that found SQLite's write
/// lock taken, until it commits.
///
/// SQLite's write lock is a `fcntl` lock tried without waiting: a writer that finds it taken
/// sleeps in the busy handler and tries again, and nobody wakes it when the lock comes free. With
/// many processes writing one file, most of them sleep through moments when the lock is free
/// (with 16 writers on 2 cores, half of both cores stood idle). Here such a writer first takes
/// this mutex, a futex the kernel hands to the next waiter the moment its holder lets go, so the
/// writers line up instead of polling: only the one at the head of the line waits in the busy
/// handler. A writer that finds SQLite's lock free does not take it at all
/// (`SQLiteConnection.writeTransaction`), so a process writing in a loop does not wake a sleeper
/// at every commit.
///
/// The gate only orders writers; SQLite's lock still guards the file. A writer that cannot have
/// the gate within its busy timeout goes on without it (and meets SQLite's lock and busy
/// handler, as before), so a process that stopped while holding it slows the others down by at
/// most that much once; one that died holding it hands it on at once (a robust mutex). A process
/// that does not use the gate — the `sqlite3` shell, a checkpoint — is waited for by the busy
/// handler, as before. Where the file cannot be made (a read-only folder), there is no gate.
///
/// Linux only (process-shared robust mutexes); elsewhere ``open(databasePath:)`` gives none.
final class SQLiteWriterGate: @unchecked Sendable {
    #if canImport(Glibc)
    /// The mapping: a header, then the mutex.
    private let region: UnsafeMutableRawPointer
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Bytes of the file and the mapping.
    private static let size = 4096
    /// Where the mutex lives in the file.
    private static let mutexOffset = 64
    /// What the first 8 bytes hold once the mutex is initialised: a layout version and the size
    /// of this C library's mutex, so a file from another layout is initialised again.
    private static let readyMark: UInt64 = 0x5157_4741_0001_0000 | UInt64(MemoryLayout<pthread_mutex_t>.size)

    private init(region: UnsafeMutableRawPointer) {
        self.region = region
        mutex = (region + Self.mutexOffset).bindMemory(to: pthread_mutex_t.self, capacity: 1)
    }

    /// The gate of the database at `databasePath`, its file created owner-only when missing;
    /// `nil` when it cannot be had.
    static func open(databasePath: String) -> SQLiteWriterGate? {
        let descriptor = Glibc.open(databasePath + "-writers", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // Whoever opens the file first sets the mutex up; the others wait for that under flock,
        // for a second at most (a process stopped while it sets up must not stop every other).
        var tries = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            tries += 1
            guard errno == EWOULDBLOCK || errno == EINTR, tries < 200 else { return nil }
            usleep(5_000)
        }
        defer { flock(descriptor, LOCK_UN) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        if status.st_size < size {
            guard ftruncate(descriptor, off_t(size)) == 0 else { return nil }
        }
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED else {
            return nil
        }
        let gate = SQLiteWriterGate(region: mapping)
        let mark = mapping.bindMemory(to: UInt64.self, capacity: 1)
        if mark.pointee != readyMark {
            // A gate that cannot be set up is unmapped by its deinit.
            guard gate.initialiseMutex() else { return nil }
            mark.pointee = readyMark
        }
        return gate
    }

    /// A process-shared, robust mutex in place.
    private func initialiseMutex() -> Bool {
        var attributes = pthread_mutexattr_t()
        guard pthread_mutexattr_init(&attributes) == 0 else { return false }
        defer { pthread_mutexattr_destroy(&attributes) }
        guard pthread_mutexattr_setpshared(&attributes, Int32(PTHREAD_PROCESS_SHARED)) == 0,
            pthread_mutexattr_setrobust(&attributes, Int32(PTHREAD_MUTEX_ROBUST)) == 0
        else { return false }
        return pthread_mutex_init(mutex, &attributes) == 0
    }

    deinit {
        munmap(region, Self.size)
    }

    /// Takes the gate, waiting at most `microseconds`; whether it was taken.
    func lock(waitingAtMost microseconds: Int) -> Bool {
        var status = pthread_mutex_trylock(mutex)
        if status == EBUSY {
            // At most an hour: a deadline computed from a larger wait could overflow.
            let microseconds = min(max(microseconds, 0), 3_600_000_000)
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            let nanoseconds = Int(deadline.tv_nsec) + (microseconds % 1_000_000) * 1_000
            deadline.tv_sec += microseconds / 1_000_000 + nanoseconds / 1_000_000_000
            deadline.tv_nsec = nanoseconds % 1_000_000_000
            status = pthread_mutex_timedlock(mutex, &deadline)
        }
        switch status {
        case 0:
            return true
        case EOWNERDEAD:
            // Its holder died: nothing of SQLite's lives in the mutex, so it is whole as it is.
            pthread_mutex_consistent(mutex)
            return true
        default:
            return false
        }
    }

    /// Lets the next writer in.
    func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Whether some thread of some process holds the gate now, seen without taking it: the
    /// mutex's futex word, which glibc sets to its holder's thread id (a robust mutex). For
    /// tests, which must not take the gate to find out.
    var isHeld: Bool {
        mutex.pointee.__data.__lock != 0
    }
    #else
    static func open(databasePath: String) -> SQLiteWriterGate? { nil }
    func lock(waitingAtMost microseconds: Int) -> Bool { false }
    func unlock() {}
    var isHeld: Bool { false }
    #endif
}
