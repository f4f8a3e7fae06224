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
    /// A `StoreWorker hold-gate` process that holds the writers' gate of the file at `path`.
    static func gateHolder(of path: String) throws -> Process {
        let process = Process()
        process.executableURL = ProcessConcurrencyTests.worker
        process.arguments = ["hold-gate", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line == "held\n" else {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("the gate holder said \(line.debugDescription)")
        }
        return process
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
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let handedOn = clock.now
        #expect(gate.lock(waitingAtMost: 5_000_000))
        #expect(clock.now - handedOn < .seconds(1))
        gate.unlock()
        #expect(gate.lock(waitingAtMost: 0))
        gate.unlock()
    }

    @Test("a writer goes on without the gate after its busy timeout when the holder is stopped")
    func writerPassesAStoppedGateHolder() async throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/stopped.db"
        var configuration = SQLiteTableStore.Configuration()
        configuration.busyTimeout = .milliseconds(300)
        let store = try SQLiteTableStore(path: path, configuration: configuration)
        let holder = try Self.gateHolder(of: path)
        kill(holder.processIdentifier, SIGSTOP)
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        let table = TableSchema(name: "gate")
        let clock = ContinuousClock()
        let started = clock.now
        try await store.put(["pk": .string("p"), "sk": .string("s"), "n": .int(1)], into: table, if: .itemNotExists)
        try await store.put(["pk": .string("p"), "sk": .string("t"), "n": .int(2)], into: table)
        let elapsed = clock.now - started
        // Each write waited out the busy timeout for the gate once, then took SQLite's free lock.
        #expect(elapsed >= .milliseconds(600))
        #expect(elapsed < .seconds(5))
        #expect(try await store.get(Key("p", "s"), from: table)?.int("n") == 1)
        #expect(try await store.get(Key("p", "t"), from: table)?.int("n") == 2)
    }
}
