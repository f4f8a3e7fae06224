import Foundation
import QuizStore
import QuizTestSupport
import Testing

@testable import QuizStoreSQLite

/// How SQLite connections of several processes wait for each other's locks and keep the WAL
/// bounded (docs/local-runner.md, "Where an answer's time goes").
@Suite("SQLite under contention")
struct SQLiteContentionTests {
    @Test("a busy wait retries after 50 µs, doubling to 2 ms, and stops at its limit")
    func busyWaitSchedule() {
        let pauses = (0..<9).map { SQLiteBusyWait.pause(before: $0) }
        #expect(pauses.map(\.pause) == [50, 100, 200, 400, 800, 1600, 2000, 2000, 2000])
        #expect(pauses.map(\.waited) == [0, 50, 150, 350, 750, 1550, 3150, 5150, 7150])

        // A 10 s limit (the store's default) allows as many tries as fit in it, the last one
        // cut short; SQLite's own handler would have slept 1 ms before the first retry.
        let wait = SQLiteBusyWait(limit: .seconds(10))
        #expect(wait.limitMicroseconds == 10_000_000)
        let lastRetry = (10_000_000 - 3150) / 2000 + 6
        #expect(SQLiteBusyWait.pause(before: lastRetry).waited < 10_000_000)
        #expect(SQLiteBusyWait.pause(before: lastRetry + 1).waited >= 10_000_000)

        // A limit already used up gives up at once, without sleeping.
        let spent = SQLiteBusyWait(limit: .microseconds(100))
        #expect(spent.waitBeforeRetry(0))
        #expect(spent.waitBeforeRetry(1))
        #expect(!spent.waitBeforeRetry(2))
        #expect(!SQLiteBusyWait(limit: .zero).waitBeforeRetry(0))
    }

    @Test("limits far past an Int64 of microseconds are clamped, not trapped")
    func hugeLimit() {
        #expect(SQLiteBusyWait.microseconds(.seconds(Int64.max)) == Int.max)
        #expect(SQLiteBusyWait.microseconds(.milliseconds(1500)) == 1_500_000)
    }

    @Test("a commit asks for a checkpoint when it carries the WAL past half the mark or a further eighth, and at the mark")
    func checkpointRequestsFollowTheWAL() {
        let directory = TemporaryDirectory()
        let watch = SQLiteCheckpoints(path: "\(directory.path)/steps.db", pages: 8000).watch()
        // Below half the mark: never.
        #expect(!watch.asks(frames: 3999, added: 10))
        // The commit that reaches half the mark or passes it, by one page or many.
        #expect(watch.asks(frames: 4000, added: 1))
        #expect(watch.asks(frames: 4005, added: 10))
        // Inside a step of 1,000 pages: no.
        #expect(!watch.asks(frames: 4006, added: 1))
        #expect(!watch.asks(frames: 4999, added: 999))
        // The commit that crosses the next step.
        #expect(watch.asks(frames: 5000, added: 1))
        #expect(watch.asks(frames: 5003, added: 6))
        #expect(!watch.asks(frames: 5003, added: 3))
        // From the mark on, every commit: the restart must get its turn.
        #expect(watch.asks(frames: 8000, added: 1))
        #expect(watch.asks(frames: 8001, added: 1))
        // After a restart the WAL starts over: a commit longer than the WAL asks nothing below half.
        #expect(!watch.asks(frames: 12, added: 12))
    }

    @Test("commits of any size ask for one checkpoint per step of the shared WAL, whichever process makes them")
    func oneCheckpointRequestPerStep() {
        let directory = TemporaryDirectory()
        // The decision depends only on the WAL's length before and after a commit, not on the
        // connection: one watch stands for every process's.
        let watch = SQLiteCheckpoints(path: "\(directory.path)/shared.db", pages: 8000).watch()
        // Commits of 1 to 12 pages, up to just under the mark.
        var frames: Int32 = 0
        var requests: [Int32] = []
        var commit = 0
        while true {
            let added = Int32(1 + (commit * 7) % 12)
            guard frames + added < 8000 else { break }
            frames += added
            if watch.asks(frames: frames, added: added) { requests.append(frames) }
            commit += 1
        }
        // At 4,000 (half the mark), 5,000, 6,000 and 7,000 pages: one commit each. Counted per
        // connection, as before, each of sixteen processes asked at every step.
        #expect(requests.count == 4)
        #expect(zip(requests, [4000, 5000, 6000, 7000]).allSatisfy { $0 >= $1 && $0 < $1 + 12 })
    }

    @Test("4 processes writing and reading one file keep its WAL near the checkpoint mark")
    func walStaysBounded() throws {
        // Each process rewrites 6 KB items and reads each back, so the WAL takes about 3 pages
        // per write (12,000 pages in all) and every process keeps reading from it. SQLite's
        // passive automatic checkpoint then seldom gets to start the WAL over: it grows with
        // the writes, each commit past the mark running another checkpoint with its fsyncs.
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/churn.db"
        let mark = 64, processes = 4, writes = 1000
        let results = try ProcessConcurrencyTests.runWorkers((0..<processes).map {
            ["churn", path, "owner-\($0)", String(writes), String(mark)]
        })
        var walBytes = 0
        for result in results {
            #expect(result.status == 0, "worker failed: \(result.errors)")
            let fields = result.output.split(whereSeparator: \.isWhitespace)
            #expect(fields.first == "written=\(writes)")
            walBytes = max(walBytes, fields.last.flatMap { Int($0.dropFirst("walBytes=".count)) } ?? .max)
        }
        // A WAL file is a 32-byte header and frames of a 24-byte header and one page; the file
        // keeps its largest size when the WAL starts over.
        let frames = (walBytes - 32) / (24 + SQLiteConnection.pageSize)
        #expect(frames > 0)
        // Measured: 86 to 114 pages with the checkpoint threads (passive checkpoints from half
        // the mark, a restart at the mark); 70 to 840 with a restart run by the commit that
        // reached the mark; 4,200 to 5,200 with SQLite's passive automatic checkpoint.
        #expect(frames <= 2000, "the WAL reached \(frames) pages against a mark of \(mark)")
    }

    @Test("one process writing without a pause keeps its WAL at the checkpoint mark")
    func walStartsOverForOneWriter() throws {
        // A passive checkpoint alone would not let the WAL start over under writes that never
        // stop (it copies up to the last commit it saw, and the next ones come meanwhile): the
        // restart at the mark does, while the writer waits only for its last pages.
        let directory = TemporaryDirectory()
        let mark = 64, writes = 2000
        let results = try ProcessConcurrencyTests.runWorkers([["churn", "\(directory.path)/solo.db", "solo", String(writes), String(mark)]])
        let result = try #require(results.first)
        #expect(result.status == 0, "worker failed: \(result.errors)")
        let fields = result.output.split(whereSeparator: \.isWhitespace)
        #expect(fields.first == "written=\(writes)")
        let walBytes = fields.last.flatMap { Int($0.dropFirst("walBytes=".count)) } ?? .max
        let frames = (walBytes - 32) / (24 + SQLiteConnection.pageSize)
        // Measured: 65 to 69 pages; without the restart, 2,650 to 3,070. The checkpoint thread
        // runs beside the writer, so on a loaded machine the WAL may pass the mark before it
        // gets to run: the bound leaves room for that.
        #expect(frames > 0)
        #expect(frames <= 1000, "the WAL reached \(frames) pages against a mark of \(mark)")
    }
}
