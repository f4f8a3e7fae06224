import CurlHTTP
import LambdaRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A bootstrap for the runtime's integration tests and benchmarks: it answers every event with
// the event's own bytes. A few events, compared byte for byte or by prefix, exercise the other
// paths:
//   {"fail":true}       the handler throws, so the runtime posts an invocation error;
//   {"crash":true}      the process exits with status 3 in the middle of an invocation;
//   {"context":true}    the answer is what the invocation saw of its context (see below);
//   {"rendezvous":N}    the handler waits until N such invocations are in flight in this
//                       process at once (10 s at most, else it throws), then answers as
//                       {"context":true} does, so a test sees N invocations served together
//                       and what each one saw while all of them were running.
// With ECHO_INIT_FAILURE set, the handler factory throws that text instead, so the runtime
// posts an initialisation error and exits.

/// The error the echo handler throws for `{"fail":true}`.
struct EchoFailure: Error, CustomStringConvertible {
    var description: String { "the event asked the echo function to fail" }
}

/// The error the handler factory throws when `ECHO_INIT_FAILURE` is set.
struct EchoConfigurationError: Error, CustomStringConvertible {
    var description: String
}

/// The error a rendezvous that never filled up throws.
struct RendezvousTimeout: Error, CustomStringConvertible {
    var expected: Int
    var arrived: Int
    var description: String { "only \(arrived) of \(expected) invocations were in flight at once" }
}

/// Counts the invocations that reached a rendezvous.
final class Rendezvous: Sendable {
    private let arrived = Atomic<Int>(0)

    /// Arrives, then waits until `count` invocations have arrived, or throws after 10 s.
    func meet(_ count: Int) async throws {
        arrived.add(1, ordering: .relaxed)
        let deadline = ContinuousClock.now + .seconds(10)
        while arrived.load(ordering: .relaxed) < count {
            guard ContinuousClock.now < deadline else {
                throw RendezvousTimeout(expected: count, arrived: arrived.load(ordering: .relaxed))
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// Answers each event with its own bytes.
struct EchoHandler: LambdaHandler {
    static let failEvent = Array(#"{"fail":true}"#.utf8)
    static let crashEvent = Array(#"{"crash":true}"#.utf8)
    static let contextEvent = Array(#"{"context":true}"#.utf8)
    static let rendezvousPrefix = Array(#"{"rendezvous":"#.utf8)

    let rendezvous = Rendezvous()

    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        if event == Self.failEvent {
            throw EchoFailure()
        }
        if event == Self.crashEvent {
            exit(3)
        }
        if event == Self.contextEvent {
            return Self.describe(context, inFlight: nil)
        }
        if event.starts(with: Self.rendezvousPrefix), let count = Int(String(decoding: event.dropFirst(Self.rendezvousPrefix.count).dropLast(), as: UTF8.self)) {
            try await rendezvous.meet(count)
            return Self.describe(context, inFlight: count)
        }
        return event
    }

    /// `{"requestID":…,"traceID":…,"taskTrace":…,"traceVariable":…,"inFlight":…}`: the
    /// context's request id and trace header, the task-local trace header, and the
    /// `_X_AMZN_TRACE_ID` variable, each a string or null.
    static func describe(_ context: LambdaContext, inFlight: Int?) -> [UInt8] {
        let variable = getenv(LambdaRuntime.traceIDVariable).map { String(cString: $0) }
        let fields: [(String, String?)] = [
            ("requestID", context.requestID), ("traceID", context.traceID), ("taskTrace", TraceHeader.current),
            ("traceVariable", variable),
        ]
        var json = "{" + fields.map { "\"\($0.0)\":" + ($0.1.map { "\"\($0)\"" } ?? "null") }.joined(separator: ",")
        json += ",\"inFlight\":" + (inFlight.map(String.init) ?? "null") + "}"
        return Array(json.utf8)
    }
}

LambdaRuntime.run {
    if let failure = getenv("ECHO_INIT_FAILURE") {
        throw EchoConfigurationError(description: String(cString: failure))
    }
    return EchoHandler()
}
