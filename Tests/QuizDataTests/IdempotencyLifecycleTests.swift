import QuizStore
import Testing

@testable import QuizData

/// The idempotency lifecycle, event by event, in every state: what the owner must do next, and
/// that every event out of order ends the request as a defect instead of doing something.
@Suite("Idempotency lifecycle")
struct IdempotencyLifecycleTests {
    typealias Lifecycle = IdempotencyLifecycle
    static let now: Int64 = 1_800_000_000_000
    static let me = "holder-me"
    static let print = "fingerprint-1"
    static let ok = StoredResponse(statusCode: 200, body: #"{"ok":true}"#)
    static let theirs = StoredResponse(statusCode: 201, body: #"{"theirs":true}"#, headers: ["location": "/sessions/s"])

    static func record(
        _ status: IdempotencyRecord.Status, holder: String = "holder-other", fingerprint: String = print, until: Int64 = now + 5_500,
        response: StoredResponse? = nil
    ) -> IdempotencyRecord {
        IdempotencyRecord(status: status, holder: holder, fingerprint: fingerprint, inProgressUntil: until, response: response)
    }

    /// A lifecycle brought to `state` by the events that lead there.
    static func lifecycle(in state: String) -> Lifecycle {
        var lifecycle = Lifecycle(holder: me, fingerprint: print)
        switch state {
        case "idle": break
        case "claiming": _ = lifecycle.begin()
        case "confirmingClaim":
            _ = lifecycle.begin()
            _ = lifecycle.writeFailed(TableError(.timeout, "lost"))
        case "running":
            _ = lifecycle.begin()
            _ = lifecycle.claimed()
        case "storing":
            _ = lifecycle.begin()
            _ = lifecycle.claimed()
            _ = lifecycle.requestEnded(.answered(ok))
        case "confirmingStore":
            _ = lifecycle.begin()
            _ = lifecycle.claimed()
            _ = lifecycle.requestEnded(.uncertain(ok))
        case "releasing":
            _ = lifecycle.begin()
            _ = lifecycle.claimed()
            _ = lifecycle.requestEnded(.failed)
        case "finished":
            _ = lifecycle.begin()
            _ = lifecycle.claimed()
            _ = lifecycle.requestEnded(.committed(ok))
        default: Issue.record("no state \(state)")
        }
        return lifecycle
    }

    static let states = ["idle", "claiming", "confirmingClaim", "running", "storing", "confirmingStore", "releasing", "finished"]

    /// Every event the owner can report, by name.
    static let events: [(name: String, apply: @Sendable (inout Lifecycle) -> Lifecycle.Action)] = [
        ("begin", { $0.begin() }),
        ("claimed", { $0.claimed() }),
        ("claimRefused", { $0.claimRefused(by: record(.completed, response: theirs), now: now) }),
        ("writeFailed", { $0.writeFailed(TableError(.timeout, "lost")) }),
        ("recordRead", { $0.recordRead(record(.completed, holder: me, response: ok), now: now) }),
        ("readFailed", { $0.readFailed(TableError(.unavailable, "open")) }),
        ("requestEnded", { $0.requestEnded(.committed(ok)) }),
        ("stored", { $0.stored() }),
        ("storeRefused", { $0.storeRefused(by: record(.completed, holder: me, response: ok), now: now) }),
        ("released", { $0.released() }),
    ]

    /// Which events each state takes; every other pair is out of order.
    static let accepted: [String: Set<String>] = [
        "idle": ["begin"],
        "claiming": ["claimed", "claimRefused", "writeFailed"],
        "confirmingClaim": ["recordRead", "readFailed"],
        "running": ["requestEnded"],
        "storing": ["stored", "storeRefused", "writeFailed"],
        "confirmingStore": ["recordRead", "readFailed"],
        "releasing": ["released"],
        "finished": [],
    ]

    @Test("every event in every state: accepted ones move on, the rest end the request as a defect", arguments: states)
    func exhaustive(state: String) {
        for (name, apply) in Self.events {
            var lifecycle = Self.lifecycle(in: state)
            let action = apply(&lifecycle)
            let defect = action == .finish(.refuse(.defect("")))
            #expect(defect == !(Self.accepted[state] ?? []).contains(name), "\(name) in \(state) gave \(action)")
            if defect { #expect(lifecycle.state == .finished(.refuse(.defect("")))) }
        }
    }

    // MARK: - Claiming

    @Test("the happy path: claim, run, commit with the completion, respond")
    func happyPath() {
        var lifecycle = Lifecycle(holder: Self.me, fingerprint: Self.print)
        #expect(lifecycle.begin() == .claim)
        #expect(lifecycle.claimed() == .run)
        #expect(lifecycle.requestEnded(.committed(Self.ok)) == .finish(.respond(Self.ok, replayed: false)))
        #expect(lifecycle.runs == 1)
    }

    @Test(
        "a refused claim: the record found decides",
        arguments: [
            // Our own put landed before its reply was lost, and the retry met it.
            (record(.inProgress, holder: me), Lifecycle.Action.run),
            (record(.completed, holder: me, response: ok), .finish(.respond(ok, replayed: false))),
            (record(.completed, response: theirs), .finish(.respond(theirs, replayed: true))),
            (record(.completed, fingerprint: "other-body", response: theirs), .finish(.refuse(.idempotencyKeyMismatch))),
            (record(.inProgress, fingerprint: "other-body"), .finish(.refuse(.idempotencyKeyMismatch))),
            (record(.inProgress), .finish(.refuse(.requestInProgress()))),
            (record(.completed), .finish(.refuse(.requestInProgress()))),
        ])
    func claimRefused(record: IdempotencyRecord, expected: Lifecycle.Action) {
        var lifecycle = Self.lifecycle(in: "claiming")
        #expect(lifecycle.claimRefused(by: record, now: Self.now) == expected)
    }

    @Test("a claim refused without an item is a request in progress")
    func claimRefusedWithoutItem() {
        var lifecycle = Self.lifecycle(in: "claiming")
        #expect(lifecycle.claimRefused(by: nil, now: Self.now) == .finish(.refuse(.requestInProgress())))
    }

    @Test("another request's claim: retry after the seconds left on it, rounded up")
    func retryAfter() {
        var lifecycle = Self.lifecycle(in: "claiming")
        guard case .finish(.refuse(let error)) = lifecycle.claimRefused(by: Self.record(.inProgress, until: Self.now + 5_500), now: Self.now) else {
            Issue.record("not refused")
            return
        }
        #expect(error.code == .requestInProgress)
        #expect(error.retryAfterSeconds == 6)
    }

    @Test("a claim whose write failed: read back when it may have landed, give up when it cannot have", arguments: TableError.Code.allCases)
    func claimWriteFailed(code: TableError.Code) {
        var lifecycle = Self.lifecycle(in: "claiming")
        let error = TableError(code, "failed")
        if error.outcomeIsUnknown {
            #expect(lifecycle.writeFailed(error) == .readRecord)
            #expect(lifecycle.state == .confirmingClaim)
        } else {
            #expect(lifecycle.writeFailed(error) == .finish(.refuse(.storage(error))))
        }
    }

    @Test(
        "a claim of unknown outcome, read back",
        arguments: [
            (record(.inProgress, holder: me), Lifecycle.Action.run),
            (record(.inProgress), .finish(.refuse(.requestInProgress()))),
            (record(.completed, response: theirs), .finish(.respond(theirs, replayed: true))),
            // Another's claim whose deadline passed is no claim of ours: ours did not land.
            (record(.inProgress, until: now - 1), .finish(.refuse(.storage(TableError(.backendFailure, ""))))),
        ])
    func claimConfirmed(record: IdempotencyRecord, expected: Lifecycle.Action) {
        var lifecycle = Self.lifecycle(in: "confirmingClaim")
        #expect(lifecycle.recordRead(record, now: Self.now) == expected)
    }

    @Test("a claim of unknown outcome that is not there did not land; an unreadable one gives up")
    func claimNotThere() {
        var lifecycle = Self.lifecycle(in: "confirmingClaim")
        #expect(lifecycle.recordRead(nil, now: Self.now) == .finish(.refuse(.storage(TableError(.backendFailure, "")))))
        var unreadable = Self.lifecycle(in: "confirmingClaim")
        #expect(unreadable.readFailed(TableError(.unavailable, "open")) == .finish(.refuse(.storage(TableError(.unavailable, "")))))
    }

    // MARK: - Running and storing

    @Test("a request that wrote nothing has its response stored on its own, conditional on our hold")
    func answered() {
        var lifecycle = Self.lifecycle(in: "running")
        #expect(lifecycle.requestEnded(.answered(Self.ok)) == .store(Self.ok))
        #expect(lifecycle.stored() == .finish(.respond(Self.ok, replayed: false)))
    }

    @Test("a failed request gives the key back, then rethrows its failure")
    func failed() {
        var lifecycle = Self.lifecycle(in: "running")
        #expect(lifecycle.requestEnded(.failed) == .release)
        #expect(lifecycle.released() == .finish(.rethrow))
    }

    @Test(
        "after an unsure commit (or a refused store) the record decides",
        arguments: [
            // Our commit landed: the stored response is the truth, even if this attempt's differs.
            (record(.completed, holder: me, response: theirs), Lifecycle.Action.finish(.respond(theirs, replayed: false))),
            // Still ours and in progress: our commit did not land; run again.
            (record(.inProgress, holder: me), .run),
            // Our claim ran out and another request holds or completed the key.
            (record(.inProgress), .finish(.refuse(.requestInProgress()))),
            (record(.completed, response: theirs), .finish(.respond(theirs, replayed: true))),
            (record(.completed, fingerprint: "other-body", response: theirs), .finish(.refuse(.idempotencyKeyMismatch))),
        ])
    func afterUncertainCommit(record: IdempotencyRecord, expected: Lifecycle.Action) {
        var uncertain = Self.lifecycle(in: "confirmingStore")
        #expect(uncertain.recordRead(record, now: Self.now) == expected)
        var refused = Self.lifecycle(in: "storing")
        #expect(refused.storeRefused(by: record, now: Self.now) == expected)
    }

    @Test("after an unsure commit, a record gone means our claim ran out: nothing of ours landed")
    func recordGone() {
        var lifecycle = Self.lifecycle(in: "confirmingStore")
        #expect(lifecycle.recordRead(nil, now: Self.now) == .finish(.refuse(.conflict())))
    }

    @Test("a request runs at most twice under one claim; then the key goes back and the caller retries")
    func runsAreBounded() {
        var lifecycle = Self.lifecycle(in: "confirmingStore")
        #expect(lifecycle.recordRead(Self.record(.inProgress, holder: Self.me), now: Self.now) == .run)
        #expect(lifecycle.runs == Lifecycle.maximumRuns)
        #expect(lifecycle.requestEnded(.uncertain(Self.ok)) == .readRecord)
        #expect(lifecycle.recordRead(Self.record(.inProgress, holder: Self.me), now: Self.now) == .release)
        #expect(lifecycle.released() == .finish(.refuse(.storage(TableError(.backendFailure, "")))))
    }

    @Test("a store that failed: read back when it may have landed; otherwise give the key back and still answer")
    func storeFailed() {
        var unsure = Self.lifecycle(in: "storing")
        #expect(unsure.writeFailed(TableError(.connectionFailure, "reset")) == .readRecord)
        #expect(unsure.state == .confirmingStore(Self.ok))
        var refused = Self.lifecycle(in: "storing")
        #expect(refused.writeFailed(TableError(.throttled, "slow down")) == .release)
        #expect(refused.released() == .finish(.respond(Self.ok, replayed: false)))
    }

    @Test("an unreadable record after an unsure commit: the key goes back (only if still ours and open), then 503")
    func confirmReadFailed() {
        var lifecycle = Self.lifecycle(in: "confirmingStore")
        #expect(lifecycle.readFailed(TableError(.timeout, "slow")) == .release)
        #expect(lifecycle.released() == .finish(.refuse(.storage(TableError(.timeout, "")))))
    }
}
