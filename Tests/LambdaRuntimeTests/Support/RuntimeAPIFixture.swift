import CurlHTTP
import Foundation
import Glibc
import QuizTestSupport

/// The scripted Runtime API of `Fixtures/runtime_api.py`, running as a child process for as
/// long as this object lives, recording every request it gets.
///
/// It answers `next` with the scripted invocations, then with 500 ("Container error"), and
/// every POST with 202 unless the script names another status for that path.
final class RuntimeAPIFixture {
    /// One scripted answer to `GET /runtime/invocation/next`.
    struct NextAnswer: Encodable {
        var status: Int
        var headers: [[String]]
        var body: String
        /// When set, the body is a JSON string of this many bytes instead of `body`.
        var fill: Int? = nil
        /// When set, only this many bytes of the body are sent before the connection closes.
        var cutAfter: Int? = nil

        /// A 200 with the headers the real Runtime API sends, and `event` as the body.
        static func invocation(
            _ requestID: String, event: String, deadline: String = "1800000000000", traceID: String? = nil,
            clientContext: String? = nil, cognitoIdentity: String? = nil
        ) -> NextAnswer {
            var headers = [
                ["Content-Type", "application/json"],
                ["Lambda-Runtime-Aws-Request-Id", requestID],
                ["Lambda-Runtime-Deadline-Ms", deadline],
                ["Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:echo"],
            ]
            if let traceID { headers.append(["Lambda-Runtime-Trace-Id", traceID]) }
            if let clientContext { headers.append(["Lambda-Runtime-Client-Context", clientContext]) }
            if let cognitoIdentity { headers.append(["Lambda-Runtime-Cognito-Identity", cognitoIdentity]) }
            return NextAnswer(status: 200, headers: headers, body: Data(event.utf8).base64EncodedString())
        }

        /// An invocation whose event is a JSON string of `size` bytes, of which only `cutAfter`
        /// are sent when it is set.
        static func generated(_ requestID: String, size: Int, cutAfter: Int? = nil) -> NextAnswer {
            var answer = invocation(requestID, event: "")
            answer.fill = size
            answer.cutAfter = cutAfter
            return answer
        }

        /// An answer with only a status and no body.
        static func status(_ status: Int) -> NextAnswer {
            NextAnswer(status: status, headers: [], body: "")
        }
    }

    /// One request the fixture received.
    struct RecordedRequest: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var body: String
        var clientPort: Int

        /// The body bytes.
        var bodyBytes: [UInt8] { Data(base64Encoded: body).map(Array.init) ?? [] }

        /// The values of every header with this name, ignoring case.
        func values(_ name: String) -> [String] {
            headers.filter { $0.first?.lowercased() == name.lowercased() }.compactMap { $0.last }
        }

        /// "METHOD path", for comparing sequences.
        var line: String { "\(method) \(path)" }
    }

    private struct Script: Encodable {
        var next: [NextAnswer]
        var posts: [String: Int]
        var thenWait: Bool
    }

    /// The port on 127.0.0.1 the fixture listens on.
    let port: Int
    private let child: PortReportingProcess
    private let inspector: CurlHTTPClient

    /// The value of `AWS_LAMBDA_RUNTIME_API` that points at this fixture.
    var endpoint: String { "127.0.0.1:\(port)" }

    /// Starts a fixture that answers `next` with `next`, then 500 (or, with `thenWait`, holds
    /// every further `next` open), and each POST path in `posts` with its status.
    init(next: [NextAnswer], posts: [String: Int] = [:], thenWait: Bool = false) throws {
        let script = String(decoding: try JSONEncoder().encode(Script(next: next, posts: posts, thenWait: thenWait)), as: UTF8.self)
        // -I: no environment variables or user site-packages; -S: no site import. The first line
        // of stdout is the port the kernel picked for `--port 0`.
        child = try PortReportingProcess(
            executable: PortReportingProcess.python,
            arguments: ["-I", "-S", ProcessSupport.fixture("runtime_api.py").path, "--port", "0", "--script", script], name: "runtime_api.py")
        port = child.port
        inspector = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(60)))
    }

    deinit {
        child.stop()
    }

    /// Every request recorded so far, in the order they arrived.
    func requests() throws -> [RecordedRequest] {
        let response = try inspector.send(HTTPRequest(url: "http://127.0.0.1:\(port)/__requests"))
        guard response.status == 200 else {
            throw ProcessSupport.Failure(description: "/__requests answered \(response.status)")
        }
        return try JSONDecoder().decode([RecordedRequest].self, from: Data(response.body))
    }
}
