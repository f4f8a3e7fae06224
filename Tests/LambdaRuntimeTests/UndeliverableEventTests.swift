import Foundation
import LambdaRuntime
import Testing

/// One invocation whose event cannot be received or read must not end the process: the
/// bootstrap reports that invocation's error and takes the next one. Only a Runtime API that is
/// gone ends it.
@Suite struct UndeliverableEventTests {
    @Test func eventsThatCannotBeReceivedAreReportedOneByOneAndTheBootstrapServesOn() throws {
        let fixture = try RuntimeAPIFixture(next: [
            // Over the client's 16 MiB limit, as a 3 MB body of control bytes is once escaped into an event.
            .generated("too-big", size: 17 * 1024 * 1024),
            .invocation("id-1", event: "[1]"),
            // The connection breaks after 100 of 4,096 bytes.
            .generated("cut-off", size: 4096, cutAfter: 100),
            .init(status: 200, headers: [["Lambda-Runtime-Aws-Request-Id", "no-deadline"]], body: "e30="),
            // No request id: nobody to report to.
            .init(status: 200, headers: [["Lambda-Runtime-Deadline-Ms", "1800000000000"]], body: "e30="),
            .invocation("id-2", event: "[2]"),
        ])
        let exit = try BootstrapProcessTests.runEchoFunction(environment: ["AWS_LAMBDA_RUNTIME_API": fixture.endpoint])
        let requests = try fixture.requests()

        #expect(requests.map(\.line) == [
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/too-big/error",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/id-1/response",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/cut-off/error",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/no-deadline/error",
            "GET /2018-06-01/runtime/invocation/next",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/id-2/response",
            "GET /2018-06-01/runtime/invocation/next",
        ])
        let errors = requests.filter { $0.path.hasSuffix("/error") }
        #expect(errors.map { $0.values("Lambda-Runtime-Function-Error-Type") } == [
            ["Runtime.EventTooLarge"], ["Runtime.EventNotReceived"], ["Runtime.InvalidInvocation"],
        ])
        let bodies = try errors.map { try #require(try JSONSerialization.jsonObject(with: Data($0.bodyBytes)) as? [String: Any]) }
        #expect(bodies.map { $0["errorType"] as? String } == ["Runtime.EventTooLarge", "Runtime.EventNotReceived", "Runtime.InvalidInvocation"])
        #expect(bodies.first?["errorMessage"] as? String == "the event is over the runtime's limit of 16777216 bytes")
        #expect(requests[3].bodyBytes == Array("[1]".utf8))
        #expect(requests[10].bodyBytes == Array("[2]".utf8))

        // The skipped answer is in the log; the process ended only at the scripted 500.
        #expect(exit.standardError.contains(#""errorType":"Runtime.invalidInvocation""#), Comment(rawValue: exit.standardError))
        #expect(exit.status == 2)
        #expect(try BootstrapProcessTests.terminationLine(exit.standardError)["errorType"] as? String == "Runtime.unexpectedStatus")
    }
}
