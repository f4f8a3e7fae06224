import QuizStore

/// One request's hold on an idempotency key, as a pure state machine: no store, no clock of its
/// own. Each `mutating` method takes what the owner (``IdempotencyGuard``) saw and returns what it
/// must do next, so every path, including the ones faults open, is driven and checked in a test.
/// docs/idempotency.md draws the states.
///
/// - **claiming**: the owner puts `IN_PROGRESS` with this request as holder, if the key is free.
///   Refused, the record found decides: our own claim (an earlier attempt of the put landed) →
///   run; another request's response → replay it; another body → mismatch; another live claim →
///   in progress. Unknown outcome → read the record (**confirmingClaim**) and decide the same way.
/// - **running**: the request runs. It ends having committed its writes with the completion, or
///   with a response to store on its own, or unsure whether its commit landed, or failed.
/// - **storing** / **confirmingStore**: the completion alone is written, or the record is read
///   after an unsure commit. A completed record with us as holder is our own response: answer it.
///   A record still held by us means our writes did not land: run again (once), else give up.
///   A record another request holds or completed means our claim ran out and was taken over:
///   nothing of ours can have landed, since every completion is conditional on the hold.
/// - **releasing**: the key is given back (conditional on our hold, so a completed record stays)
///   after a failure a retry might not meet, then the request ends.
package struct IdempotencyLifecycle: Sendable {
    /// Where the request stands.
    package enum State: Sendable, Equatable {
        case idle
        case claiming
        case confirmingClaim
        case running
        case storing(StoredResponse)
        case confirmingStore(StoredResponse)
        case releasing(Ending)
        case finished(Ending)
    }

    /// How the request ends.
    package enum Ending: Sendable, Equatable {
        /// Answer with this response; `replayed` when it is another request's, from the record.
        case respond(StoredResponse, replayed: Bool)
        /// Answer with this error.
        case refuse(DataError)
        /// Answer with the request's own failure, which the owner kept.
        case rethrow
    }

    /// What the owner must do next.
    package enum Action: Sendable, Equatable {
        /// Put the claim, conditional on ``IdempotencyRecord/free(now:)``.
        case claim
        /// Read the record: the outcome of the last write is unknown.
        case readRecord
        /// Run the request (again, after a commit that did not land).
        case run
        /// Write the completion on its own, conditional on ``IdempotencyRecord/held(by:)``.
        case store(StoredResponse)
        /// Delete the record, conditional on ``IdempotencyRecord/held(by:)``; the outcome does not matter.
        case release
        /// Stop: the request is over.
        case finish(Ending)
    }

    /// How the request's own work ended.
    package enum RequestOutcome: Sendable, Equatable {
        /// Its writes and the completion with this response committed in one transaction.
        case committed(StoredResponse)
        /// It wrote nothing; this response (a success or the caller's own mistake) is to be stored.
        case answered(StoredResponse)
        /// Its commit, which held the completion with this response, may or may not have landed.
        case uncertain(StoredResponse)
        /// It failed in a way a retry might not meet (storage down, throttled, a defect).
        case failed
    }

    /// This request's token: the holder it writes into the record.
    package let holder: String
    /// This request's fingerprint.
    package let fingerprint: String
    /// Where the request stands.
    package private(set) var state: State = .idle
    /// How often the request has run.
    package private(set) var runs = 0

    /// How often a request may run under one claim: once, and once more after a commit that did not land.
    package static let maximumRuns = 2

    package init(holder: String, fingerprint: String) {
        self.holder = holder
        self.fingerprint = fingerprint
    }

    // MARK: - Events

    /// The request arrives.
    package mutating func begin() -> Action {
        guard state == .idle else { return outOfOrder("begin") }
        state = .claiming
        return .claim
    }

    /// The claim was written.
    package mutating func claimed() -> Action {
        guard state == .claiming else { return outOfOrder("claimed") }
        return run()
    }

    /// The claim's condition failed on `record` (`nil`: the store returned no item).
    package mutating func claimRefused(by record: IdempotencyRecord?, now: Int64) -> Action {
        guard state == .claiming else { return outOfOrder("claimRefused") }
        return decideClaim(record, now: now, landed: false)
    }

    /// A write (the claim or the stored response) failed without its condition being checked.
    package mutating func writeFailed(_ error: TableError) -> Action {
        switch state {
        case .claiming:
            guard error.outcomeIsUnknown else { return finish(.refuse(.storage(error))) }
            state = .confirmingClaim
            return .readRecord
        case .storing(let response):
            guard error.outcomeIsUnknown else {
                // Nothing was written; the response is still the truth. The key goes back so a
                // retry recomputes it.
                return release(then: .respond(response, replayed: false))
            }
            state = .confirmingStore(response)
            return .readRecord
        default:
            return outOfOrder("writeFailed")
        }
    }

    /// The record was read (`nil`: there is none, or it has expired).
    package mutating func recordRead(_ record: IdempotencyRecord?, now: Int64) -> Action {
        switch state {
        case .confirmingClaim: return decideClaim(record, now: now, landed: true)
        case .confirmingStore(let response): return decideAfterStore(record, response: response, now: now)
        default: return outOfOrder("recordRead")
        }
    }

    /// The record could not be read.
    package mutating func readFailed(_ error: TableError) -> Action {
        switch state {
        // Our claim may stand until its deadline; nothing else was written.
        case .confirmingClaim: return finish(.refuse(.storage(error)))
        // The release is conditional on our hold: if our commit landed it changes nothing.
        case .confirmingStore: return release(then: .refuse(.storage(error)))
        default: return outOfOrder("readFailed")
        }
    }

    /// The request's own work ended.
    package mutating func requestEnded(_ outcome: RequestOutcome) -> Action {
        guard state == .running else { return outOfOrder("requestEnded") }
        switch outcome {
        case .committed(let response):
            return finish(.respond(response, replayed: false))
        case .answered(let response):
            state = .storing(response)
            return .store(response)
        case .uncertain(let response):
            state = .confirmingStore(response)
            return .readRecord
        case .failed:
            return release(then: .rethrow)
        }
    }

    /// The response was stored on its own.
    package mutating func stored() -> Action {
        guard case .storing(let response) = state else { return outOfOrder("stored") }
        return finish(.respond(response, replayed: false))
    }

    /// Storing the response on its own failed its condition on `record`.
    package mutating func storeRefused(by record: IdempotencyRecord?, now: Int64) -> Action {
        guard case .storing(let response) = state else { return outOfOrder("storeRefused") }
        return decideAfterStore(record, response: response, now: now)
    }

    /// The release was tried (whether it deleted anything does not matter).
    package mutating func released() -> Action {
        guard case .releasing(let ending) = state else { return outOfOrder("released") }
        return finish(ending)
    }

    // MARK: - Decisions

    /// What a record found when claiming says. `landed`: the record was read after a claim of
    /// unknown outcome, so its absence means the claim did not land.
    private mutating func decideClaim(_ record: IdempotencyRecord?, now: Int64, landed: Bool) -> Action {
        guard let record, !(landed && record.isAbandoned(now: now) && record.holder != holder) else {
            // Refused without an item, or read back and not there: nothing of ours stands.
            return finish(.refuse(landed ? .storage(Self.claimLost) : .requestInProgress()))
        }
        if record.holder == holder {
            switch record.status {
            // An earlier attempt of our own put landed before its reply was lost.
            case .inProgress: return run()
            case .completed:
                guard let response = record.response else { return finish(.refuse(.damaged("idempotency record"))) }
                return finish(.respond(response, replayed: false))
            }
        }
        guard record.fingerprint == fingerprint else { return finish(.refuse(.idempotencyKeyMismatch)) }
        switch record.status {
        case .completed:
            guard let response = record.response else { return finish(.refuse(.requestInProgress())) }
            return finish(.respond(response, replayed: true))
        case .inProgress:
            return finish(.refuse(.requestInProgress(retryAfterSeconds: Self.seconds(until: record.inProgressUntil, now: now))))
        }
    }

    /// What the record says after our commit's outcome was unknown or our stored response was refused.
    private mutating func decideAfterStore(_ record: IdempotencyRecord?, response: StoredResponse, now: Int64) -> Action {
        guard let record else {
            // The claim ran out and the record is gone: every write of ours was conditional on the hold.
            return finish(.refuse(.conflict("This request's claim on its Idempotency-Key ran out before it finished; send it again.")))
        }
        if record.holder == holder {
            switch record.status {
            case .completed: return finish(.respond(record.response ?? response, replayed: false))
            case .inProgress:
                // Still ours and not completed: our commit has not landed. Run again while allowed.
                guard runs < Self.maximumRuns else { return release(then: .refuse(.storage(Self.commitLost))) }
                return run()
            }
        }
        // Another request took the key over after our claim ran out.
        guard record.fingerprint == fingerprint else { return finish(.refuse(.idempotencyKeyMismatch)) }
        switch record.status {
        case .completed:
            guard let stored = record.response else { return finish(.refuse(.requestInProgress())) }
            return finish(.respond(stored, replayed: true))
        case .inProgress:
            return finish(.refuse(.requestInProgress(retryAfterSeconds: Self.seconds(until: record.inProgressUntil, now: now))))
        }
    }

    private mutating func run() -> Action {
        runs += 1
        state = .running
        return .run
    }

    private mutating func release(then ending: Ending) -> Action {
        state = .releasing(ending)
        return .release
    }

    private mutating func finish(_ ending: Ending) -> Action {
        state = .finished(ending)
        return .finish(ending)
    }

    private mutating func outOfOrder(_ event: String) -> Action {
        finish(.refuse(.defect("idempotency lifecycle: \(event) in state \(state)")))
    }

    /// Whole seconds from `now` until `deadline` (both epoch milliseconds), at least 1.
    private static func seconds(until deadline: Int64, now: Int64) -> Int {
        Int(max(1, (deadline - now + 999) / 1000))
    }

    private static let claimLost = TableError(.backendFailure, "the claim's write failed and it is not in the table")
    private static let commitLost = TableError(.backendFailure, "the request's commit did not land")
}
