import QuizEngine
public import QuizStore
import Synchronization

/// A `TableStore` that fails chosen calls to the store it wraps, the way a store and a network
/// fail: before the call reaches the store, after the store carried it out (the reply lost: a
/// timeout or a dropped connection), or slowly. For tests and the chaos runs, on any backend.
///
/// Calls are numbered from 0 in the order they arrive, whatever their operation; a ``Schedule``
/// says which get which fault: one numbered call, or a seeded share of all of them.
///
/// In production the resilience layer sits above the backend; put this between the two
/// (`ResilientTableStore(wrapping: FaultInjectingTableStore(wrapping: backend, …))`) to fail
/// single attempts, or above both to fail whole calls.
public final class FaultInjectingTableStore: TableStore {
    /// What happens to a faulted call.
    public enum Fault: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Never reaches the store; the caller sees a failed connection.
        case dropBefore = "drop-before"
        /// Reaches the store, which carries it out; the caller sees a reset connection.
        case dropAfter = "drop-after"
        /// Reaches the store, which carries it out; the caller waits, then sees a timeout.
        case stallAfter = "stall-after"
        /// Never reaches the store; the store answered 500.
        case serverError = "500"
        /// Never reaches the store; the store throttled it.
        case throttled
        /// Reaches the store after a delay, and succeeds or fails as it would have.
        case slow

        public var description: String { rawValue }

        /// Whether the store carries the call out before the caller sees the fault.
        public var reachesStore: Bool { self == .dropAfter || self == .stallAfter || self == .slow }
    }

    /// Which calls get which fault.
    public enum Schedule: Sendable {
        /// Every call goes through.
        case none
        /// The call with this number (from 0) gets the fault.
        case call(Int, Fault)
        /// Every call whose operation is one of `operations` (all, when empty) gets one of `faults`
        /// with probability `rate`, drawn from a generator seeded with `seed`.
        case random(seed: UInt64, rate: Double, faults: [Fault], operations: Set<Operation> = [])
    }

    /// The operations of the protocol, by name.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case get, put, update, delete, query, read, batchGet, batchWrite, transactWrite, removeExpired, ping

        /// Whether the operation writes.
        public var writes: Bool {
            switch self {
            case .put, .update, .delete, .batchWrite, .transactWrite, .removeExpired: true
            case .get, .query, .read, .batchGet, .ping: false
            }
        }
    }

    /// One call as the wrapper saw it.
    public struct Call: Sendable, Hashable {
        /// Its number, from 0.
        public var number: Int
        public var operation: Operation
        /// The fault it got, if any.
        public var fault: Fault?
        /// The keys a `transactWrite` writes (puts, updates, deletes and condition checks, in
        /// its order); empty for every other operation.
        public var transactionKeys: [Key] = []
    }

    /// The store calls go to.
    public let base: any TableStore
    /// How long `stallAfter` and `slow` wait.
    public let delay: Duration
    /// Told of every call, with the fault it gets, before it runs.
    private let observer: @Sendable (Call) -> Void
    private struct State {
        var schedule: Schedule
        var random: SeededRandomGenerator
        var calls: [Call] = []
    }
    private let state: Mutex<State>

    /// Wraps `base`, failing calls as `schedule` says; `observer` hears of each call before it runs.
    public init(
        wrapping base: any TableStore, schedule: Schedule = .none, delay: Duration = .milliseconds(50),
        observer: @escaping @Sendable (Call) -> Void = { _ in }
    ) {
        self.base = base
        self.delay = delay
        self.observer = observer
        var seed: UInt64 = 0
        if case .random(let value, _, _, _) = schedule { seed = value }
        state = Mutex(State(schedule: schedule, random: SeededRandomGenerator(seed: seed)))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Replaces the schedule; call numbers go on from where they are.
    public func reschedule(_ schedule: Schedule) {
        state.withLock { state in
            state.schedule = schedule
            if case .random(let seed, _, _, _) = schedule { state.random = SeededRandomGenerator(seed: seed) }
        }
    }

    // MARK: - The fault

    /// Numbers the call, decides its fault, and runs it through that fault.
    private func perform<Value>(
        _ operation: Operation, keys: [Key] = [], _ body: () async throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        let call = state.withLock { state -> Call in
            let number = state.calls.count
            var fault: Fault?
            switch state.schedule {
            case .none: break
            case .call(let target, let chosen): fault = target == number ? chosen : nil
            case .random(_, let rate, let faults, let operations):
                if operations.isEmpty || operations.contains(operation), !faults.isEmpty, Double.random(in: 0..<1, using: &state.random) < rate {
                    fault = faults.randomElement(using: &state.random)
                }
            }
            let call = Call(number: number, operation: operation, fault: fault, transactionKeys: keys)
            state.calls.append(call)
            return call
        }
        observer(call)
        guard let fault = call.fault else { return try await body() }
        switch fault {
        case .dropBefore:
            throw TableError(.connectionFailure, "injected: the connection failed before the request was sent")
        case .serverError:
            throw TableError(.backendFailure, "injected: the store answered 500")
        case .throttled:
            throw TableError(.throttled, "injected: the store throttled the request", retryAfter: 0.05)
        case .slow:
            try? await Task.sleep(for: delay)
            return try await body()
        case .dropAfter:
            _ = try? await body()
            throw TableError(.connectionFailure, "injected: the connection dropped after the store acted")
        case .stallAfter:
            _ = try? await body()
            try? await Task.sleep(for: delay)
            throw TableError(.timeout, "injected: no answer in time after the store acted")
        }
    }

    // MARK: - TableStore

    public func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try await perform(.get) { () async throws(TableError) in try await base.get(key, from: table) }
    }

    public func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError) {
        try await perform(.put) { () async throws(TableError) in try await base.put(item, into: table, if: condition) }
    }

    public func update(_ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?) async throws(TableError) -> Item {
        try await perform(.update) { () async throws(TableError) in try await base.update(key, in: table, actions, if: condition) }
    }

    public func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item? {
        try await perform(.delete) { () async throws(TableError) in try await base.delete(key, from: table, if: condition) }
    }

    public func query(_ query: Query) async throws(TableError) -> QueryPage {
        try await perform(.query) { () async throws(TableError) in try await base.query(query) }
    }

    public func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        try await perform(.read) { () async throws(TableError) in try await base.read(requests) }
    }

    public func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item] {
        try await perform(.batchGet) { () async throws(TableError) in try await base.batchGet(keys, from: table) }
    }

    public func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError) {
        try await perform(.batchWrite) { () async throws(TableError) in try await base.batchWrite(writes, in: table) }
    }

    public func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError) {
        try await perform(.transactWrite, keys: writes.compactMap { try? $0.key() }) { () async throws(TableError) in try await base.transactWrite(writes, token: token) }
    }

    public func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int {
        try await perform(.removeExpired) { () async throws(TableError) in try await base.removeExpired(from: table, now: now, limit: limit) }
    }

    public var expiresItemsItself: Bool { base.expiresItemsItself }

    public func ping() async throws(TableError) {
        try await perform(.ping) { () async throws(TableError) in try await base.ping() }
    }
}
