import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizObservability
import QuizStore

/// The scheduled **maintenance** function: sessions idle for 24 h (configurable) become
/// `abandoned`, sessions past their time limit become `expired`, and items whose TTL passed are
/// removed: nothing grows without bound (docs/data-layer.md).
///
/// It takes any event (an EventBridge schedule, `{}` from `local-runner invoke`) and returns a
/// JSON summary of what it did.
public struct MaintenanceFunction: Sendable {
    /// The function's name, in logs and metrics.
    public static let name = "maintenance"

    private let environment: QuizEnvironment

    /// The function over an environment built at start.
    public init(environment: QuizEnvironment) {
        self.environment = environment
    }

    /// What one run did.
    public struct Summary: Codable, Sendable, Hashable {
        /// Active sessions looked at.
        public var sessionsScanned = 0
        /// Sessions marked `expired`.
        public var sessionsExpired = 0
        /// Sessions marked `abandoned`.
        public var sessionsAbandoned = 0
        /// Expired items deleted, all tables together.
        public var expiredItemsRemoved = 0
    }

    /// Handles one raw event.
    public func handle(event: Data, context: InvocationContext) async -> Data {
        let clock = ContinuousClock()
        let started = clock.now
        var status = 200
        var errorCode: String?
        var body: Data
        do {
            let summary = try await run(now: environment.now())
            body = try JSONEncoder().encode(summary)
        } catch {
            status = 503
            errorCode = "STORAGE_UNAVAILABLE"
            environment.logger.log(.error, "maintenance failed: \(error)", requestId: context.requestId, function: Self.name)
            body = Data(#"{"error":{"code":"STORAGE_UNAVAILABLE","message":"Maintenance could not reach storage."}}"#.utf8)
        }
        let elapsed = clock.now - started
        environment.logger.record(
            InvocationRecord(
                requestId: context.requestId, function: Self.name, route: "schedule", status: status,
                durationMilliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
                coldStart: false, errorCode: errorCode))
        return body
    }

    /// One sweep at `now` (epoch milliseconds).
    public func run(now: Int64) async throws -> Summary {
        var summary = Summary()
        let data = LearnerData(environment)
        let store = environment.store
        let users = environment.tables.users
        // Sessions started in the last 30 s cannot be late or idle yet (30 s is the shortest limit).
        let cutoff = Keys.paddedTime(now - 30_000)
        for shard in 0..<Keys.activeShards {
            var query = Query(users, partition: Keys.activePartition(shard), sortKey: .lessThan(cutoff), limit: 100)
            repeat {
                let page = try await store.query(query)
                for index in page.items {
                    guard let userId = index.string("userId"), let sessionId = index.string("sessionId"),
                        let indexKey = try? users.key(of: index)
                    else { continue }
                    summary.sessionsScanned += 1
                    guard let item = try await store.get(Keys.session(userId, sessionId), from: users),
                        let previous = try? SessionRecord.session(from: item), previous.status.isActive
                    else {
                        // The session ended elsewhere or is gone: the index entry is stale.
                        try await store.delete(indexKey, from: users)
                        continue
                    }
                    var session = previous
                    guard let status = session.sweep(now: now, idleLimitSeconds: environment.settings.abandonAfterSeconds) else { continue }
                    var tokens = RequestTokens()
                    let token = tokens.next()
                    if case .committed = try await data.commit(data.sessionPlan(session, previous: previous, token: token), token: token) {
                        if status == .abandoned { summary.sessionsAbandoned += 1 } else { summary.sessionsExpired += 1 }
                    }
                    // Otherwise a learner's request got in first, or the outcome is unknown: the next run looks again.
                }
                query.cursor = page.nextCursor
            } while query.cursor != nil
        }
        for table in [users, environment.tables.idempotency] {
            summary.expiredItemsRemoved += try await store.removeExpired(
                from: table, now: now / 1000, limit: environment.settings.maintenanceBatchLimit)
        }
        return summary
    }
}
