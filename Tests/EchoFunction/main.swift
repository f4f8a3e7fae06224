import LambdaRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A bootstrap for the runtime's integration tests and benchmarks: it answers every event with
// the event's own bytes. Two events, compared byte for byte, exercise the other paths:
//   {"fail":true}   the handler throws, so the runtime posts an invocation error;
//   {"crash":true}  the process exits with status 3 in the middle of an invocation.
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

/// Answers each event with its own bytes.
struct EchoHandler: LambdaHandler {
    static let failEvent = Array(#"{"fail":true}"#.utf8)
    static let crashEvent = Array(#"{"crash":true}"#.utf8)

    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        if event == Self.failEvent {
            throw EchoFailure()
        }
        if event == Self.crashEvent {
            exit(3)
        }
        return event
    }
}

await LambdaRuntime.run {
    if let failure = getenv("ECHO_INIT_FAILURE") {
        throw EchoConfigurationError(description: String(cString: failure))
    }
    return EchoHandler()
}
