import Foundation
import QuizStore
import QuizTestSupport
import Testing

@testable import QuizStoreSQLite

/// The writers' gate across processes (docs/storage-threads.md, "The writers' gate"). Timed, so
/// `make test` runs this suite apart from the others (QUIET_SUITES in the Makefile): a swift test
/// process full of other suites can hold a continuation back by seconds.
@Suite("SQLite writers' gate")
struct SQLiteWriterGateTests {
    /// A `StoreWorker` process started with `arguments`, once it has said it holds what it was
    /// asked to hold.
    static func holder(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = ProcessConcurrencyTests.worker
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line == "held\n" else {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("StoreWorker \(arguments[0]) said \(line.debugDescription)")
        }
        return process
    }

    /// A process that holds the writers' gate of the file at `path` until killed.
    static func gateHolder(of path: String) throws -> Process {
        try holder(["hold-gate", path])
    }

    /// A process that holds the writers' gate of the file at `path`, stopped by SIGSTOP.
    static func stoppedGateHolder(of path: String) throws -> Process {
        let process = try gateHolder(of: path)
        kill(process.processIdentifier, SIGSTOP)
        return process
    }

    /// A process that holds SQLite's write lock of the file at `path` (not through the gate)
    /// for `milliseconds` from the moment this returns.
    static func writeLockHolder(of path: String, milliseconds: Int) throws -> Process {
        try holder(["hold-write-lock", path, String(milliseconds)])
    }

    /// Ends `process` at once with SIGKILL and reaps it.
    static func end(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A store on a new file of `directory` whose writers wait at most `busyTimeout`.
    static func store(in directory: TemporaryDirectory, busyTimeout: Duration) throws -> (store: SQLiteTableStore, path: String) {
        let path = "\(directory.path)/gate.db"
        var configuration = SQLiteTableStore.Configuration()
        configuration.busyTimeout = busyTimeout
        return (try SQLiteTableStore(path: path, configuration: configuration), path)
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("the writers' gate: owner-only beside the file, held across processes, handed on when its holder dies")
    func writersGateAcrossProcesses() throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/gate.db"
        _ = try SQLiteTableStore(path: path)
        var status = stat()
        #expect(stat(path + "-writers", &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)

        let holder = try Self.gateHolder(of: path)
        let gate = try #require(SQLiteWriterGate.open(databasePath: path))
        let clock = ContinuousClock()
        let refused = clock.now
        #expect(!gate.lock(waitingAtMost: 100_000))
        #expect(clock.now - refused >= .milliseconds(100))

        // A holder that dies hands the gate on at once (a robust mutex), not after a timeout.
        Self.end(holder)
        let handedOn = clock.now
        #expect(gate.lock(waitingAtMost: 5_000_000))
        #expect(clock.now - handedOn < .seconds(1))
        gate.unlock()
        #expect(gate.lock(waitingAtMost: 0))
        gate.unlock()
    }

    static let table = TableSchema(name: "gate")

    @Test("a writer that finds SQLite's write lock free never waits for the gate, even when a stopped process holds it")
    func freeLockPassesAStoppedGateHolder() async throws {
        let directory = TemporaryDirectory()
        let (store, path) = try Self.store(in: directory, busyTimeout: .seconds(3))
        let holder = try Self.stoppedGateHolder(of: path)
        defer { Self.end(holder) }
        let clock = ContinuousClock()
        let started = clock.now
        try await store.put(["pk": .string("p"), "sk": .string("s"), "n": .int(1)], into: Self.table, if: .itemNotExists)
        try await store.put(["pk": .string("p"), "sk": .string("t"), "n": .int(2)], into: Self.table)
        // Far less than one busy timeout: neither write asked for the gate.
        #expect(clock.now - started < .seconds(1))
        #expect(try await store.get(Key("p", "s"), from: Self.table)?.int("n") == 1)
        #expect(try await store.get(Key("p", "t"), from: Self.table)?.int("n") == 2)
    }

    @Test("a writer that finds SQLite's write lock taken waits in the gate, then writes once the lock is free")
    func takenLockQueuesInTheGate() async throws {
        let directory = TemporaryDirectory()
        let (store, path) = try Self.store(in: directory, busyTimeout: .seconds(10))
        let gate = try #require(SQLiteWriterGate.open(databasePath: path))
        let clock = ContinuousClock()
        let locked = clock.now
        // Long enough for the write to start and meet the lock however busy the machine is.
        let holder = try Self.writeLockHolder(of: path, milliseconds: 2_000)
        defer { Self.end(holder) }
        let write = Task {
            try await store.put(["pk": .string("p"), "sk": .string("s"), "n": .int(7)], into: Self.table, if: .itemNotExists)
        }
        // The writer met the lock, took the gate and waits in it for the lock (looked at, not taken).
        var sawGateHeld = false
        while !sawGateHeld, clock.now - locked < .milliseconds(1_800) {
            sawGateHeld = gate.isHeld
            if !sawGateHeld { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(sawGateHeld)
        try await write.value
        #expect(clock.now - locked >= .milliseconds(2_000))
        #expect(clock.now - locked < .seconds(10))
        #expect(try await store.get(Key("p", "s"), from: Self.table)?.int("n") == 7)
        // It let go after its commit.
        #expect(!gate.isHeld)
        #expect(gate.lock(waitingAtMost: 0))
        gate.unlock()
    }

    @Test("a writer that finds the lock taken and the gate held by a stopped process waits for the gate only its busy timeout")
    func takenLockPassesAStoppedGateHolder() async throws {
        let directory = TemporaryDirectory()
        let (store, path) = try Self.store(in: directory, busyTimeout: .milliseconds(400))
        let gateHolder = try Self.stoppedGateHolder(of: path)
        defer { Self.end(gateHolder) }
        let clock = ContinuousClock()
        let locked = clock.now
        let lockHolder = try Self.writeLockHolder(of: path, milliseconds: 600)
        defer { Self.end(lockHolder) }
        // 400 ms for the gate, then SQLite's busy handler until the lock is let go at 600 ms.
        try await store.put(["pk": .string("p"), "sk": .string("s"), "n": .int(3)], into: Self.table, if: .itemNotExists)
        #expect(clock.now - locked >= .milliseconds(600))
        #expect(clock.now - locked < .seconds(5))
        #expect(try await store.get(Key("p", "s"), from: Self.table)?.int("n") == 3)
    }
}
