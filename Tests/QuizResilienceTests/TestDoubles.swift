import QuizResilience
import QuizStore
import Synchronization

// MARK: - Clock

/// A clock that moves only when told. Its `sleep` returns at once, after recording the duration
/// asked for and moving time on by it, so backoff is observable exactly and no test waits.
final class ManualClock: ResilienceClock {
    private struct State {
        var now: Duration
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    init(now: Duration = .zero) {
        state = Mutex(State(now: now))
    }

    func now() -> Duration {
        state.withLock { $0.now }
    }

    func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.sleeps.append(duration)
            $0.now += duration
        }
    }

    /// Moves time on without a sleep, as between two requests.
    func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    /// Every duration `sleep` was asked for, in order.
    var sleeps: [Duration] {
        state.withLock { $0.sleeps }
    }
}

// MARK: - Randomness

/// Hands out scripted draws in order, then repeats the last one.
final class ScriptedRandom: ResilienceRandomSource {
    private let draws: Mutex<(script: [Double], next: Int)>

    init(_ script: [Double]) {
        precondition(!script.isEmpty, "a script needs at least one draw")
        draws = Mutex((script, 0))
    }

    func unitFraction() -> Double {
        draws.withLock { draws in
            let draw = draws.script[min(draws.next, draws.script.count - 1)]
            draws.next += 1
            return draw
        }
    }
}

// MARK: - Recording

/// Collects what a callback hands it, from any thread.
final class Recorder<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    @Sendable func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    /// Everything appended, in order.
    var elements: [Element] {
        storage.withLock { $0 }
    }
}

// MARK: - Table store

/// A table store that throws a chosen error for its first `failures` calls, whichever method
/// they go to, then answers every call. It counts the calls that reach it.
final class FlakyTableStore: TableStore {
    static let table = TableSchema(name: "sessions")
    static let key = Key("user-1", "session-1")
    static let item = Item(["pk": .string("user-1"), "sk": .string("session-1"), "score": .int(7)])

    private let state: Mutex<(failures: Int, error: TableError, calls: Int)>

    init(failures: Int, with error: TableError) {
        state = Mutex((failures, error, 0))
    }

    /// Calls that reached the store, failed or not.
    var calls: Int {
        state.withLock { $0.calls }
    }

    /// Makes every call from now on succeed, as a backend that recovered.
    func heal() {
        state.withLock { $0.failures = 0 }
    }

    private func answer() throws(TableError) {
        let failure: TableError? = state.withLock { state in
            state.calls += 1
            guard state.failures > 0 else { return nil }
            state.failures -= 1
            return state.error
        }
        if let failure { throw failure }
    }

    func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try answer()
        return Self.item
    }

    func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError) {
        try answer()
    }

    func update(_ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?) async throws(TableError) -> Item {
        try answer()
        return Self.item
    }

    func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item? {
        try answer()
        return Self.item
    }

    func query(_ query: Query) async throws(TableError) -> QueryPage {
        try answer()
        return QueryPage(items: [Self.item], nextCursor: nil)
    }

    func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item] {
        try answer()
        return [Self.item]
    }

    func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError) {
        try answer()
    }

    func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError) {
        try answer()
    }

    func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int {
        try answer()
        return 1
    }

    func ping() async throws(TableError) {
        try answer()
    }
}

// MARK: - Errors

extension TableError {
    /// One error of each code the tests need, as a backend would throw it.
    static func of(_ code: Code) -> TableError {
        switch code {
        case .transactionCanceled: .transactionCanceled([.none, CancellationReason(code: .conditionFailed)])
        case .conditionFailed: .conditionFailed(nil)
        default: TableError(code, "injected \(code.rawValue)")
        }
    }
}

