import QuizResilience
import QuizStore
import Testing

@Suite struct CircuitBreakerStateMachineTests {
    typealias Machine = CircuitBreaker.StateMachine

    /// Window 20, at least 10 calls, 50 %, open for 5 s, 3 probes: the defaults, spelled out.
    static let configuration = CircuitBreaker.Configuration(
        windowSize: 20, minimumCalls: 10, failureRateThreshold: 0.5, openDuration: .seconds(5), permittedProbes: 3)

    // MARK: - Closed

    @Test func staysClosedBelowTheMinimumNumberOfCalls() {
        var machine = Machine(configuration: Self.configuration)
        let transitions = machine.calls(Array(repeating: .failure, count: 9))
        #expect(transitions.allSatisfy { $0 == nil })
        #expect(machine.state == .closed)
        #expect(machine.callsInWindow == 9)
        #expect(machine.failureRate == 1)
    }

    @Test func opensWhenTheMinimumIsReachedAtExactlyTheThreshold() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.calls(Array(repeating: .success, count: 5) + Array(repeating: .failure, count: 4), at: .seconds(1))
        #expect(machine.state == .closed)
        // The tenth call makes 5 failures out of 10: exactly 50 %.
        #expect(machine.call(.failure, at: .seconds(2)) == .opened(until: .seconds(7)))
        #expect(machine.state == .open(until: .seconds(7)))
    }

    @Test func staysClosedJustBelowTheThreshold() {
        var machine = Machine(configuration: Self.configuration)
        let transitions = machine.calls(Array(repeating: .success, count: 11) + Array(repeating: .failure, count: 9))
        #expect(transitions.allSatisfy { $0 == nil })
        #expect(machine.failureRate == 0.45)
        #expect(machine.state == .closed)
    }

    @Test func theWindowForgetsTheOldestCalls() {
        var machine = Machine(configuration: Self.configuration)
        // Twenty successes fill the window; each failure after them pushes a success out.
        _ = machine.calls(Array(repeating: .success, count: 20) + Array(repeating: .failure, count: 9))
        #expect(machine.callsInWindow == 20)
        #expect(machine.failureRate == 0.45)
        #expect(machine.call(.failure) == .opened(until: .seconds(5)))
    }

    @Test func aThresholdOfZeroTripsOnAnyFailureButNotOnSuccesses() {
        var machine = Machine(configuration: .init(minimumCalls: 2, failureRateThreshold: 0))
        _ = machine.calls([.success, .success, .success])
        #expect(machine.state == .closed)
        #expect(machine.call(.failure) == .opened(until: .seconds(5)))
    }

    // MARK: - Open

    @Test func failsFastWithTheTimeLeftWhileOpen() {
        var machine = Machine(configuration: Self.configuration)
        machine.trip(at: .seconds(10))
        #expect(machine.admit(now: .seconds(10)) == .failFast(retryAfter: .seconds(5)))
        #expect(machine.admit(now: .milliseconds(12_500)) == .failFast(retryAfter: .milliseconds(2_500)))
        #expect(machine.admit(now: .seconds(15) - .nanoseconds(1)) == .failFast(retryAfter: .nanoseconds(1)))
        #expect(machine.state == .open(until: .seconds(15)))
    }

    // MARK: - Half-open

    @Test func halfOpensAfterTheWaitAndLetsOnlyThePermittedProbesThrough() {
        var machine = Machine(configuration: Self.configuration)
        machine.trip(at: .zero)
        var permits: [Machine.Permit] = []
        for _ in 0..<3 {
            guard case .proceed(let permit) = machine.admit(now: .seconds(5)) else {
                Issue.record("a probe was refused")
                return
            }
            permits.append(permit)
        }
        #expect(machine.state == .halfOpen)
        #expect(permits.map { $0.isProbe } == [true, true, true])
        #expect(machine.admit(now: .seconds(6)) == .failFast(retryAfter: nil))
    }

    @Test func closesWithAnEmptyWindowWhenEveryProbeSucceeds() {
        var machine = Machine(configuration: Self.configuration)
        machine.trip(at: .zero)
        let transitions = machine.calls([.success, .success, .success], at: .seconds(6))
        #expect(transitions == [nil, nil, .closed])
        #expect(machine.state == .closed)
        #expect(machine.callsInWindow == 0)
        // The old failures are gone: nine new ones are below the minimum again.
        _ = machine.calls(Array(repeating: .failure, count: 9), at: .seconds(7))
        #expect(machine.state == .closed)
    }

    @Test func aFailedProbeReopensForAFullWait() {
        var machine = Machine(configuration: Self.configuration)
        machine.trip(at: .zero)
        #expect(machine.call(.success, at: .seconds(5)) == nil)
        #expect(machine.call(.failure, at: .seconds(8)) == .opened(until: .seconds(13)))
        #expect(machine.admit(now: .seconds(9)) == .failFast(retryAfter: .seconds(4)))
    }

    // MARK: - Stale outcomes

    @Test func outcomesOfCallsAdmittedBeforeATransitionAreIgnored() {
        var machine = Machine(configuration: Self.configuration)
        guard case .proceed(let slowCall) = machine.admit(now: .zero) else {
            Issue.record("the call was not admitted")
            return
        }
        machine.trip(at: .seconds(1))
        // The slow call from the closed state finishes while the breaker is open, then half-open:
        // neither its failure nor its success counts, and it takes no probe slot.
        #expect(machine.record(.failure, for: slowCall, now: .seconds(2)) == nil)
        #expect(machine.state == .open(until: .seconds(6)))
        guard case .proceed(let probe) = machine.admit(now: .seconds(6)) else {
            Issue.record("the probe was refused")
            return
        }
        #expect(machine.record(.success, for: slowCall, now: .seconds(6)) == nil)
        #expect(machine.record(.success, for: probe, now: .seconds(6)) == nil)
        #expect(machine.state == .halfOpen)
        #expect(machine.calls([.success, .success], at: .seconds(6)) == [nil, .closed])
    }
}

// MARK: - Driving the machine

extension CircuitBreaker.StateMachine {
    /// Admits one call at `now` and records its outcome; returns the transition.
    @discardableResult
    mutating func call(_ outcome: Outcome, at now: Duration = .zero) -> Transition? {
        guard case .proceed(let permit) = admit(now: now) else {
            Issue.record("the call was not admitted")
            return nil
        }
        return record(outcome, for: permit, now: now)
    }

    /// Admits and records one call per outcome, all at `now`; returns the transitions.
    mutating func calls(_ outcomes: [Outcome], at now: Duration = .zero) -> [Transition?] {
        outcomes.map { call($0, at: now) }
    }

    /// Trips a breaker that opens for 5 s with ten failures at `now`.
    mutating func trip(at now: Duration) {
        _ = calls(Array(repeating: .failure, count: 10), at: now)
        #expect(state == .open(until: now + .seconds(5)))
    }
}
