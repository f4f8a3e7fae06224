import Foundation
import QuizData
import QuizEngine
import QuizStore

/// The store read back after a chaos run, against what the clients saw.
struct ChaosVerification {
    let store: any TableStore
    let tables: QuizTables

    /// Every accepted answer in the store exactly once, nothing refused in it, and every
    /// session's counters equal to the answers it holds.
    func check(_ outcomes: [ChaosLearner.Outcome], into report: inout ChaosReport) async throws {
        for outcome in outcomes {
            guard let sessionId = outcome.sessionId else {
                report.violations.append("\(outcome.user) never started a session: \(outcome.refused.joined(separator: ", "))")
                continue
            }
            guard let item = try await store.get(Keys.session(outcome.user, sessionId), from: tables.users) else {
                report.violations.append("\(outcome.user): the session the client was given is not in the store")
                continue
            }
            let session = try SessionRecord.session(from: item)
            let held = session.totalAttempts
            // Accepted answers are in exactly once; an answer the client gave up on may have
            // landed (its reply lost to the last fault) but only once; a refused one never.
            if held < outcome.accepted || held > outcome.accepted + outcome.abandoned {
                report.violations.append(
                    "\(outcome.user): the client saw \(outcome.accepted) answers accepted (\(outcome.abandoned) given up), the session holds \(held)")
            }
            if outcome.versions != outcome.versions.sorted() || Set(outcome.versions).count != outcome.versions.count {
                report.violations.append("\(outcome.user): accepted answers reported versions \(outcome.versions): one applied twice or out of order")
            }
            let progress = try await store.get(Keys.progress(outcome.user), from: tables.users)
            let counted = Int(progress?.int("answers") ?? 0)
            if counted != held {
                report.violations.append("\(outcome.user): the progress counters count \(counted) answers, the session holds \(held)")
            }
            let poolItems = try await store.queryAll(Query(tables.users, partition: Keys.user(outcome.user), sortKey: .beginsWith(PoolRecord.itemPrefix)))
            let entries = poolItems.filter { $0.string("sk")?.hasPrefix(PoolRecord.entryPrefix) == true }.count
            let summary = PoolSummary(summary: poolItems.first { $0.string("sk") == PoolRecord.summarySortKey })
            if summary.size != entries || poolItems.count != entries * 3 + (summary.counts.isEmpty ? 0 : 1) {
                report.violations.append("\(outcome.user): \(entries) pool entries, \(poolItems.count) pool items, a summary counting \(summary.size)")
            }
        }
    }

    /// No key stays blocked past its holder's deadline: once the longest invocation could have
    /// ended, every key still `IN_PROGRESS` is sent again, and none may answer 409 `REQUEST_IN_PROGRESS`.
    func checkKeys(_ outcomes: [ChaosLearner.Outcome], learners: [ChaosLearner], timeoutSeconds: Int, into report: inout ChaosReport) async throws {
        var open: [(learner: ChaosLearner, key: String, request: KeyedRequest, until: Int64)] = []
        for (outcome, learner) in zip(outcomes, learners.sorted { $0.user < $1.user }) {
            let records = try await store.queryAll(Query(tables.idempotency, partition: Keys.user(outcome.user), sortKey: .beginsWith("KEY#")))
            for item in records {
                guard let record = IdempotencyRecord(item), record.status == .inProgress, let sort = item.string("sk") else { continue }
                let key = String(sort.dropFirst("KEY#".count))
                guard let request = outcome.requests[key] else { continue }
                open.append((learner, key, request, record.inProgressUntil))
            }
        }
        report.claimsLeftOpen = open.count
        guard let latest = open.map(\.until).max() else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if latest > now + Int64(timeoutSeconds) * 1000 + 1000 {
            report.violations.append("a claim holds its key until \(latest - now) ms from now, past any invocation's deadline")
        }
        try await Task.sleep(for: .milliseconds(max(0, min(latest - now, Int64(timeoutSeconds) * 1000)) + 500))
        var random = SeededRandomGenerator(seed: 1)
        for (learner, key, request, _) in open {
            let single = ChaosClient(port: learner.client.port, token: learner.client.token, attempts: 1, tally: learner.client.tally)
            let reply = await single.send("POST", request.path, json: request.json, key: key, random: &random)
            if reply?.errorCode == "REQUEST_IN_PROGRESS" {
                report.keysBlockedPastDeadline += 1
                report.violations.append("\(learner.user): key \(key) still answers REQUEST_IN_PROGRESS past its holder's deadline")
            }
        }
    }
}
