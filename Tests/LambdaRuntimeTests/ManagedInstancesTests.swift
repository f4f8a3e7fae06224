import Foundation
import LambdaRuntime
import Testing

/// Lambda Managed Instances: with `AWS_LAMBDA_MAX_CONCURRENCY` above 1 one bootstrap serves that
/// many invocations at once, each on a `next`–`response` loop and a connection of its own, each
/// seeing only its own context and trace header
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)).
@Suite struct ManagedInstancesTests {
    /// What the echo bootstrap's `{"rendezvous":N}` answers.
    struct Seen: Decodable, Equatable {
        var requestID: String
        var traceID: String?
        var taskTrace: String?
        var traceVariable: String?
        var inFlight: Int?
    }

    @Test(arguments: [
        (String?.none, 1), ("", 1), ("1", 1), ("0", 1), ("-4", 1), ("four", 1), ("2.5", 1), ("2", 2), ("16", 16), ("99999", 1024),
    ])
    func theNumberOfLoopsComesFromTheVariable(value: String?, loops: Int) {
        #expect(LambdaRuntime.loopCount(maximumConcurrency: value) == loops)
    }

    @Test func fourInvocationsRunAtOnceEachOnItsOwnConnectionWithItsOwnContext() throws {
        let traces = (1...4).map { "Root=1-67891233-00000000000000000000000\($0);Parent=53995c3f42cd8ad\($0);Sampled=1" }
        // Each event waits until all four are in flight: served one at a time, the first would
        // wait alone until its 10 s ran out and fail.
        let fixture = try RuntimeAPIFixture(
            next: (1...4).map { .invocation("id-\($0)", event: #"{"rendezvous":4}"#, traceID: traces[$0 - 1]) }, thenWait: true)
        let bootstrap = try BootstrapProcess(
            ProcessSupport.echoFunction,
            environment: ["AWS_LAMBDA_RUNTIME_API": fixture.endpoint, "AWS_LAMBDA_MAX_CONCURRENCY": "4", "_X_AMZN_TRACE_ID": "Root=1-stale"])
        defer { bootstrap.stop() }

        let answered = try bootstrap.wait { try fixture.requests().filter { $0.method == "POST" }.count >= 4 }
        #expect(answered, Comment(rawValue: bootstrap.standardError))
        let requests = try fixture.requests()
        let posts = requests.filter { $0.method == "POST" }
        #expect(posts.map(\.path).sorted() == (1...4).map { "/2018-06-01/runtime/invocation/id-\($0)/response" })
        for post in posts {
            let id = post.path.split(separator: "/")[3]
            let index = try #require(Int(id.dropFirst(3))) - 1
            let seen = try JSONDecoder().decode(Seen.self, from: Data(post.bodyBytes))
            // Read while all four were running: each saw its own request id and trace header,
            // as context and as task-local, and no process-wide variable at all.
            #expect(seen == Seen(requestID: String(id), traceID: traces[index], taskTrace: traces[index], traceVariable: nil, inFlight: 4))
        }

        // One connection per loop: the four `next` calls came from four client ports, and each
        // response went out on the connection its event came in on.
        let firstNexts = requests.filter { $0.method == "GET" }.prefix(4)
        #expect(Set(firstNexts.map(\.clientPort)).count == 4)
        for post in posts {
            let ports = requests.prefix { $0.path != post.path }.filter { $0.method == "GET" }.map(\.clientPort)
            #expect(ports.contains(post.clientPort), "\(post.path) came from a connection that never asked for an event")
        }
        // Every loop is back in `next`, waiting: the process serves on.
        #expect(bootstrap.wait(within: .seconds(30)) { (try? fixture.requests().filter { $0.method == "GET" }.count) == 8 })
        #expect(bootstrap.process.isRunning)
    }

    @Test func aLoopThatLosesTheRuntimeAPIEndsTheWholeProcess() throws {
        let fixture = try RuntimeAPIFixture(next: [.invocation("id-1", event: "[1]")])
        let bootstrap = try BootstrapProcess(
            ProcessSupport.echoFunction, environment: ["AWS_LAMBDA_RUNTIME_API": fixture.endpoint, "AWS_LAMBDA_MAX_CONCURRENCY": "3"])
        defer { bootstrap.stop() }

        // The script answers one event, then 500 to every `next`: the first loop told so stops
        // the process, with one termination line however many loops were told.
        #expect(bootstrap.wait { !bootstrap.process.isRunning })
        #expect(bootstrap.process.terminationStatus == 2)
        let fatal = bootstrap.standardError.split(separator: "\n").filter { $0.contains(#""level":"FATAL""#) }
        #expect(fatal.count == 1, Comment(rawValue: bootstrap.standardError))
        #expect(fatal.first?.contains("GET /runtime/invocation/next answered 500") == true)
    }
}
