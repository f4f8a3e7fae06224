import Foundation
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// Many OS processes on one SQLite file: the failures "database is locked" and lost updates
/// must not happen (docs/architecture.md#one-file-many-processes, docs/http-contract.md#identity-and-isolation).
@Suite("SQLite under many processes")
struct ProcessConcurrencyTests {
    /// The worker executable, built beside this test bundle.
    static let worker = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("StoreWorker")

    struct WorkerResult {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Starts every worker at once and waits for all of them.
    static func runWorkers(_ argumentLists: [[String]]) throws -> [WorkerResult] {
        let started = try argumentLists.map { arguments in
            let process = Process()
            process.executableURL = worker
            process.arguments = arguments
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            return (process, output, errors)
        }
        return started.map { process, output, errors in
            let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return WorkerResult(status: process.terminationStatus, output: out, errors: err)
        }
    }

    @Test("8 processes of versioned increments lose and double-apply nothing")
    func versionedIncrements() async throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/shared.db"
        let processes = 8, keys = 4, iterations = 500
        let results = try Self.runWorkers((0..<processes).map {
            ["increment", path, String(keys), String(iterations), String(1000 + $0)]
        })

        var expected = [Int64](repeating: 0, count: keys)
        for result in results {
            #expect(result.status == 0, "worker failed: \(result.errors)")
            #expect(result.errors.isEmpty)
            let pairs = result.output.split(whereSeparator: \.isWhitespace).map { $0.split(separator: "=", maxSplits: 1) }
            let fields = Dictionary(pairs.filter { $0.count == 2 }.map { (String($0[0]), String($0[1])) }) { first, _ in first }
            #expect(fields["succeeded"] == String(iterations))
            let perKey = (fields["perKey"] ?? "").split(separator: ",").compactMap { Int64($0) }
            #expect(perKey.count == keys)
            for (index, count) in perKey.enumerated() where index < keys { expected[index] += count }
        }
        #expect(expected.reduce(0, +) == Int64(processes * iterations))

        let store = try SQLiteTableStore(path: path)
        let table = TableSchema(name: "counters")
        for index in 0..<keys {
            let counter = try #require(try await store.get(Key("counter", "c\(index)"), from: table))
            #expect(counter.int("count") == expected[index], "counter c\(index)")
            #expect(counter.int("version") == expected[index], "every increment bumped the version once")
        }
    }

    @Test("16 processes opening one new file at the same moment all start and write")
    func concurrentFirstOpen() async throws {
        // The first opens of a file race to turn on WAL and create the schema; three rounds, each on a new file.
        for round in 0..<3 {
            let directory = TemporaryDirectory()
            let path = "\(directory.path)/fresh-\(round).db"
            let results = try Self.runWorkers((0..<16).map { ["marker", path, "opener-\($0)", "3"] })
            for result in results {
                #expect(result.status == 0, "worker failed: \(result.errors)")
                #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "written=3")
            }
            let store = try SQLiteTableStore(path: path)
            for index in 0..<16 {
                #expect(try await store.queryAll(Query(TableSchema(name: "markers"), partition: "owner#opener-\(index)")).count == 3)
            }
        }
    }

    @Test("processes writing their own partitions never see each other's items")
    func partitionIsolation() async throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/markers.db"
        let owners = (0..<8).map { "user-\($0)" }
        let perOwner = 120
        let results = try Self.runWorkers(owners.map { ["marker", path, $0, String(perOwner)] })
        for result in results {
            #expect(result.status == 0, "worker failed: \(result.errors)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "written=\(perOwner)")
        }

        let store = try SQLiteTableStore(path: path)
        let table = TableSchema(name: "markers")
        for owner in owners {
            let items = try await store.queryAll(Query(table, partition: "owner#\(owner)"))
            #expect(items.count == perOwner)
            let strangers = items.filter { $0.string("owner") != owner }
            #expect(strangers.isEmpty, "\(strangers.count) items of others in \(owner)'s partition")
            #expect(Set(items.compactMap { $0.int("index") }) == Set((0..<perOwner).map(Int64.init)))
        }
    }
}
