import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizObservability
import QuizStore

/// The scheduled **maintenance** function: sessions idle for 24 h (configurable) become
/// `abandoned`, sessions past their time limit become `expired`, and items whose TTL passed are
/// removed: nothing grows without bound (docs/data-layer.md). Banks imported before ordinals
/// existed, once a session start has noted one, get their ordinals.
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
        /// Expired items deleted, all tables together (none on DynamoDB, whose TTL deletes them).
        public var expiredItemsRemoved = 0
        /// Index items of sessions that had ended or gone, removed.
        public var staleIndexItemsRemoved = 0
        /// Items that could not be read or saved: logged with their keys and skipped.
        public var itemsSkipped = 0
        /// Shards of the active-session index finished in this run (16 make a whole round).
        public var shardsCompleted = 0
        /// Whether the run stopped because its time was up; the next run resumes where it stopped.
        public var stoppedByBudget = false
        /// The shard the next run starts in.
        public var nextShard = 0
        /// Banks imported before ordinals existed that now hold them all, so that their sessions
        /// draw by ordinal instead of reading the bank's index.
        public var banksGivenOrdinals = 0
    }

    /// Handles one raw event.
    public func handle(event: Data, context: InvocationContext) async -> Data {
        let clock = ContinuousClock()
        let started = clock.now
        var status = 200
        var errorCode: String?
        var body: Data
        do {
            let summary = try await run(now: environment.now(), deadline: context.deadline, requestId: context.requestId)
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

    /// One sweep at `now` (epoch milliseconds): the active sessions, as far as the time budget
    /// (and the invocation's `deadline`, epoch milliseconds) allows, then, on a backend that
    /// does not delete them itself, a batch of expired items. Skipped items are logged with their keys.
    public func run(now: Int64, deadline: Int64? = nil, requestId: String? = nil) async throws -> Summary {
        let started = ContinuousClock.now
        var budget = Duration.seconds(environment.settings.maintenanceBudgetSeconds)
        // Leave a few seconds of the invocation for the expired items and the answer.
        if let deadline { budget = min(budget, .milliseconds(max(1000, deadline - environment.now() - 5000))) }
        let sweep = SessionSweep(data: LearnerData(environment), abandonAfterSeconds: environment.settings.abandonAfterSeconds)
        let logger = environment.logger
        let result = try await sweep.run(now: now, budget: budget) { key, reason in
            logger.log(.warn, "maintenance skipped \(key): \(reason)", requestId: requestId, function: Self.name)
        }
        var summary = Summary(
            sessionsScanned: result.sessionsScanned, sessionsExpired: result.sessionsExpired, sessionsAbandoned: result.sessionsAbandoned,
            staleIndexItemsRemoved: result.staleIndexItemsRemoved, itemsSkipped: result.itemsSkipped, shardsCompleted: result.shardsCompleted,
            stoppedByBudget: result.stoppedByBudget, nextShard: result.nextShard)
        await giveOrdinals(until: started + budget, to: &summary, requestId: requestId)
        // DynamoDB deletes expired items by itself; removing them here would scan whole tables.
        guard !environment.store.expiresItemsItself else { return summary }
        for table in [environment.tables.users, environment.tables.idempotency] {
            summary.expiredItemsRemoved += try await environment.store.removeExpired(
                from: table, now: now / 1000, limit: environment.settings.maintenanceBatchLimit)
        }
        return summary
    }

    /// Gives the banks that session starts noted as lacking ordinals (imported before ordinals
    /// existed, never since) their ordinals, a few banks per run, each as far as `deadline`
    /// allows; where a run stops in a bank is kept with its note. A bank that fails is logged and
    /// skipped, and tried again by the next run.
    private func giveOrdinals(until deadline: ContinuousClock.Instant, to summary: inout Summary, requestId: String?) async {
        let bank = QuestionBank(environment)
        let noted: [(bankId: String, cursor: Cursor?)]
        do {
            noted = try await bank.banksMissingOrdinals(limit: Self.ordinalBanksPerRun)
        } catch {
            environment.logger.log(.warn, "maintenance skipped the banks awaiting ordinals: \(error)", requestId: requestId, function: Self.name)
            summary.itemsSkipped += 1
            return
        }
        for (bankId, cursor) in noted {
            guard ContinuousClock.now < deadline else {
                summary.stoppedByBudget = true
                return
            }
            do {
                let stopped = try await bank.assignMissingOrdinals(bankId: bankId, from: cursor, until: deadline)
                try await bank.settleMissingOrdinals(bankId: bankId, cursor: stopped)
                if stopped == nil { summary.banksGivenOrdinals += 1 } else { summary.stoppedByBudget = true }
            } catch {
                environment.logger.log(.warn, "maintenance skipped ordinals of bank \(bankId): \(error)", requestId: requestId, function: Self.name)
                summary.itemsSkipped += 1
            }
        }
    }

    /// How many noted banks one run looks at.
    static let ordinalBanksPerRun = 10
}
