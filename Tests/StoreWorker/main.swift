// A worker process for the multi-process tests of the table layer: the tests start many of
// these on one SQLite file and check what they did from the outside.
//
//   StoreWorker increment DB KEYS ITERATIONS SEED   versioned read-modify-write increments
//   StoreWorker marker DB OWNER ITEMS               items tagged with their owner, in its own partition
//   StoreWorker churn DB OWNER WRITES PAGES         rewrites 16 items of 6 KB in its own partition, reading
//                                                   one back after each write, with the WAL checkpointed at PAGES
//   StoreWorker hold-gate DB                        takes the file's writers' gate, prints "held" and
//                                                   keeps it until killed
//   StoreWorker hold-write-lock DB MILLISECONDS     takes SQLite's write lock (BEGIN IMMEDIATE, not
//                                                   through the gate), prints "held", commits after
//                                                   MILLISECONDS and exits
//
// Each prints one line of counts and exits 0; any unexpected error goes to stderr with exit 1.
import QuizStore

@testable import QuizStoreSQLite

#if canImport(Glibc)
import Glibc
#endif

let counters = TableSchema(name: "counters")
let markers = TableSchema(name: "markers")

func fail(_ message: String) -> Never {
    let line = Array("StoreWorker: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

/// SplitMix64: a tiny seedable generator so each worker's key choices differ but are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Increments random counters with optimistic locking: read the version, write version+1
/// only if it is unchanged, and start over when another process got there first.
func increment(store: SQLiteTableStore, keys: Int, iterations: Int, seed: UInt64) async throws(TableError) {
    var random = SplitMix64(state: seed)
    var conflicts = 0
    var perKey = [Int](repeating: 0, count: keys)
    for _ in 0..<iterations {
        let index = Int.random(in: 0..<keys, using: &random)
        let key = Key("counter", "c\(index)")
        while true {
            let current = try await store.get(key, from: counters)
            let version = current?.int("version") ?? 0
            let condition: Condition = current == nil ? .itemNotExists : .version(version)
            do {
                try await store.update(
                    key, in: counters, [.set("version", .int(version + 1)), .add("count", 1)], if: condition)
                perKey[index] += 1
                break
            } catch where error.code == .conditionFailed {
                conflicts += 1
            }
        }
    }
    print("succeeded=\(iterations) conflicts=\(conflicts) perKey=\(perKey.map(String.init).joined(separator: ","))")
}

/// Writes items tagged with this owner into the owner's partition, then reads the partition back.
func mark(store: SQLiteTableStore, owner: String, items: Int) async throws(TableError) {
    for index in 0..<items {
        let item: Item = [
            "pk": .string("owner#\(owner)"), "sk": .string("item#\(index)"),
            "owner": .string(owner), "index": .int(index),
        ]
        try await store.put(item, into: markers, if: .itemNotExists)
    }
    let mine = try await store.queryAll(Query(markers, partition: "owner#\(owner)", limit: 50))
    guard mine.count == items, mine.allSatisfy({ $0.string("owner") == owner }) else {
        fail("read back \(mine.count) items of \(owner), some not its own")
    }
    print("written=\(items)")
}

/// Rewrites 16 items of 6 KB in the owner's partition `writes` times in all, reading one back
/// after each write: the file stays small while its WAL takes thousands of pages, and every
/// process keeps a reader on the WAL, as the workers of `local-runner serve` do. Prints the
/// largest size of the WAL file it saw after a write, in bytes.
func churn(store: SQLiteTableStore, owner: String, writes: Int) async throws(TableError) {
    var largestWAL = 0
    var status = stat()
    let payload = String(repeating: owner.isEmpty ? "x" : String(owner.last!), count: 6000)
    for index in 0..<writes {
        let key = Key("owner#\(owner)", "item#\(index % 16)")
        try await store.put(["pk": .string(key.partition), "sk": .string(key.sort!), "n": .int(Int64(index)), "payload": .string(payload)], into: markers)
        guard let read = try await store.get(key, from: markers), read.int("n") == Int64(index) else {
            fail("item \(index) of \(owner) did not read back")
        }
        if stat(store.path + "-wal", &status) == 0 { largestWAL = max(largestWAL, Int(status.st_size)) }
    }
    print("written=\(writes) walBytes=\(largestWAL)")
}

/// Prints "held" in one write(2), unbuffered: the test waits for this line.
func sayHeld() {
    let line = Array("held\n".utf8)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: StoreWorker increment|marker DB …") }
do {
    var configuration = SQLiteTableStore.Configuration()
    if arguments[1] == "churn", arguments.count == 6, let pages = Int(arguments[5]) {
        configuration.checkpointPages = pages
    }
    let store = try SQLiteTableStore(path: arguments[2], configuration: configuration)
    switch arguments[1] {
    case "increment" where arguments.count == 6:
        guard let keys = Int(arguments[3]), let iterations = Int(arguments[4]), let seed = UInt64(arguments[5]) else {
            fail("bad numbers")
        }
        try await increment(store: store, keys: keys, iterations: iterations, seed: seed)
    case "marker" where arguments.count == 5:
        guard let items = Int(arguments[4]) else { fail("bad item count") }
        try await mark(store: store, owner: arguments[3], items: items)
    case "hold-gate" where arguments.count == 3:
        guard let gate = SQLiteWriterGate.open(databasePath: arguments[2]), gate.lock(waitingAtMost: 10_000_000) else {
            fail("cannot take the writers' gate of \(arguments[2])")
        }
        sayHeld()
        while true { pause() }
    case "hold-write-lock" where arguments.count == 4:
        guard let milliseconds = UInt32(arguments[3]) else { fail("bad milliseconds") }
        let connection = try SQLiteConnection(path: arguments[2], busyTimeout: .seconds(10), checkpoints: nil)
        try connection.execute("BEGIN IMMEDIATE")
        sayHeld()
        usleep(milliseconds * 1000)
        try connection.execute("COMMIT")
    case "churn" where arguments.count == 6:
        guard let writes = Int(arguments[4]) else { fail("bad write count") }
        try await churn(store: store, owner: arguments[3], writes: writes)
    default:
        fail("unknown command or wrong arguments: \(arguments.dropFirst().joined(separator: " "))")
    }
} catch {
    fail("unexpected error: \(error)")
}
