import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Lambda Runtime API of one worker process, on a loopback port of its own: the worker's
/// `AWS_LAMBDA_RUNTIME_API`.
///
/// It implements the four calls of API version 2018-06-01 with their documented statuses
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), OpenAPI
/// document `runtime-api.zip`): `next` (200, or 403; a long poll with no time limit),
/// `response` (202, 400, 403, 413), `error` (202, 400, 403) and `init/error` (202, 403). Error bodies are
/// `{"errorMessage": …, "errorType": …}` with the type names of the Runtime Interface
/// Emulator (`InvalidRequestID`, `InvalidStateTransition`, `RequestEntityTooLarge`).
///
/// Because the listener serves exactly one process, every call it receives is that worker's;
/// the listener stops when the process has ended.
struct RuntimeAPIListener: Sendable {
    /// The largest response a function may return: Lambda's 6 MB limit for synchronous
    /// invocations ([quotas](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)).
    static let payloadLimit = 6 * 1024 * 1024

    /// The loopback port it listens on.
    let port: Int
    /// The task running the server; cancelling it closes the listener and its connections.
    private let server: Task<Void, Never>

    /// The listener stopped, or never bound a port.
    struct StartError: Error, CustomStringConvertible {
        var description: String { "the Runtime API listener could not bind a loopback port" }
    }

    /// Binds a free loopback port and serves worker `id` of `pool` on it until ``stop()``.
    static func start(for id: WorkerID, of pool: WorkerPool) async throws -> RuntimeAPIListener {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router(for: id, of: pool),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "local-runner.runtime-api") { _ in SwiftLogNoOpLogHandler() })
        let server = Task {
            try? await app.run()
            portSink.finish()
        }
        guard let port = await ports.first(where: { _ in true }), port > 0 else {
            server.cancel()
            throw StartError()
        }
        return RuntimeAPIListener(port: port, server: server)
    }

    /// Stops listening and closes the worker's connections.
    func stop() {
        server.cancel()
    }

    // MARK: - Routes

    /// The `Lambda-Runtime-*` headers of `next`.
    private enum Header {
        static let requestID = HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!
        static let deadline = HTTPField.Name("Lambda-Runtime-Deadline-Ms")!
        static let functionARN = HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!
        static let traceID = HTTPField.Name("Lambda-Runtime-Trace-Id")!
        static let errorType = HTTPField.Name("Lambda-Runtime-Function-Error-Type")!
    }

    private static func router(for id: WorkerID, of pool: WorkerPool) -> Router<BasicRequestContext> {
        let router = Router()
        let runtime = router.group("2018-06-01/runtime")
        let functionARN = pool.configuration.functionARN

        runtime.get("invocation/next") { _, _ -> Response in
            switch await pool.next(for: id) {
            case .invocation(let invocation, let deadline):
                let headers: HTTPFields = [
                    .contentType: "application/json", Header.requestID: invocation.requestID,
                    Header.deadline: String(deadline), Header.functionARN: functionARN, Header.traceID: invocation.traceID,
                ]
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: invocation.event)))
            case .refused:
                return failure(.forbidden, "InvalidStateTransition", "this worker already holds an invocation, or is not the current one")
            case .released:
                // "Container error. Non-recoverable state. Runtime should exit promptly."
                return failure(.internalServerError, "InternalServerError", "the execution environment is shutting down")
            }
        }

        runtime.post("invocation/{requestID}/response") { request, context -> Response in
            let requestID = try context.parameters.require("requestID")
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: payloadLimit)
            } catch is NIOTooManyBytesError {
                // The invocation stays open: the runtime reports the failure as an error next.
                return failure(.contentTooLarge, "RequestEntityTooLarge", "the response is larger than \(payloadLimit) bytes")
            }
            return answer(await pool.answer(requestID, from: id, with: .response(Data(body.readableBytesView))))
        }

        runtime.post("invocation/{requestID}/error") { request, context -> Response in
            let requestID = try context.parameters.require("requestID")
            let report = try await errorReport(in: request)
            return answer(await pool.answer(requestID, from: id, with: .functionError(report)))
        }

        runtime.post("init/error") { request, _ -> Response in
            let report = try await errorReport(in: request)
            guard await pool.reportInitError(from: id, report) else {
                return failure(.forbidden, "InvalidStateTransition", "the runtime has already initialised")
            }
            return accepted()
        }
        return router
    }

    /// The report in an error post: its JSON body, or failing that its error-type header.
    private static func errorReport(in request: Request) async throws -> FunctionErrorReport {
        let body = try await request.body.collect(upTo: payloadLimit)
        return FunctionErrorReport(body: Data(body.readableBytesView), typeHeader: request.headers[Header.errorType])
    }

    /// The HTTP answer to a worker's `response` or `error` post.
    private static func answer(_ decision: WorkerPoolStateMachine.AnswerDecision) -> Response {
        switch decision {
        case .accept: accepted()
        case .invalidRequestID: failure(.badRequest, "InvalidRequestID", "this worker holds no invocation with that id")
        case .invalidState: failure(.forbidden, "InvalidStateTransition", "this worker is not the current one")
        }
    }

    private static func accepted() -> Response {
        json(.accepted, #"{"status":"OK"}"#)
    }

    private static func failure(_ status: HTTPResponse.Status, _ type: String, _ message: String) -> Response {
        json(status, #"{"errorMessage":"\#(message)","errorType":"\#(type)"}"#)
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
