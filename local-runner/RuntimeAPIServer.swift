import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The Lambda Runtime API of every worker, on one loopback port: a worker's
/// `AWS_LAMBDA_RUNTIME_API` is `127.0.0.1:PORT/PREFIX`, and its prefix names it.
///
/// It implements the four calls of API version 2018-06-01 with their documented statuses
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), OpenAPI
/// document `runtime-api.zip`): `next` (200, or 403; a long poll with no time limit),
/// `response` (202, 400, 403, 413), `error` (202, 400, 403) and `init/error` (202, 403). Error
/// bodies are `{"errorMessage": …, "errorType": …}` with the type names of the Runtime
/// Interface Emulator (`InvalidRequestID`, `InvalidStateTransition`, `RequestEntityTooLarge`).
///
/// Only a worker can call it: every route lives under a random path prefix of 128 bits, made
/// for that worker's process and given to it alone, in its environment; a Runtime API client
/// puts its paths after the value it is given. Any other local process that finds the port
/// gets 404 for every path, and never an event. A prefix stops working when its process ends.
final class RuntimeAPIServer: Sendable {
    /// The largest response a function may return: Lambda's 6 MB limit for synchronous
    /// invocations ([quotas](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)).
    static let payloadLimit = 6 * 1024 * 1024
    /// The API version every path carries after the prefix.
    static let version = "2018-06-01"

    private let server: LoopbackServer
    private let directory: Directory

    /// The worker a prefix belongs to.
    struct Worker: Sendable {
        var pool: WorkerPool
        var id: WorkerID
    }

    /// The running workers, by prefix.
    final class Directory: Sendable {
        private let workers = Mutex<[String: Worker]>([:])

        fileprivate func add(_ worker: Worker, prefix: String) { workers.withLock { $0[prefix] = worker } }
        fileprivate func remove(prefix: String) { _ = workers.withLock { $0.removeValue(forKey: prefix) } }

        /// The worker of `prefix`, if its process still runs.
        func worker(prefix: Substring) -> Worker? { workers.withLock { $0[String(prefix)] } }
    }

    private init(server: LoopbackServer, directory: Directory) {
        self.server = server
        self.directory = directory
    }

    /// Binds a free loopback port on `group`; at most `maxConnections` open at once.
    static func start(group: any EventLoopGroup, limits: ServeLimits, maxConnections: Int) async throws -> RuntimeAPIServer {
        let directory = Directory()
        let server = try await LoopbackServer.start(port: 0, group: group, limits: limits, maxConnections: maxConnections) { state in
            RuntimeAPIHandler(state: state, directory: directory)
        }
        return RuntimeAPIServer(server: server, directory: directory)
    }

    /// The port it listens on.
    var port: Int { server.port }

    /// `AWS_LAMBDA_RUNTIME_API` for the worker with `prefix`.
    func endpoint(prefix: String) -> String { "127.0.0.1:\(port)/\(prefix)" }

    /// A new prefix for worker `id` of `pool`: 128 random bits as 32 hex digits.
    func register(pool: WorkerPool, worker id: WorkerID) -> String {
        var generator = SystemRandomNumberGenerator()
        let prefix = (0..<2).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        directory.add(Worker(pool: pool, id: id), prefix: prefix)
        return prefix
    }

    /// The prefix no longer names anyone: its process has ended.
    func unregister(prefix: String) {
        directory.remove(prefix: prefix)
    }

    /// Closes the listener; workers' connections close with the event loops.
    func stop() async {
        await server.stopAccepting()
    }
}

/// One worker's connection to the Runtime API: reads each call, answers it from the worker's
/// pool, on the connection's event loop.
final class RuntimeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ConnectionState
    private let directory: RuntimeAPIServer.Directory

    /// The call being read.
    private enum Call {
        case next(RuntimeAPIServer.Worker)
        case response(RuntimeAPIServer.Worker, requestID: String)
        case error(RuntimeAPIServer.Worker, requestID: String)
        case initError(RuntimeAPIServer.Worker)
        case notFound
    }

    private var call: Call?
    private var keepAlive = true
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    private var errorTypeHeader: String?
    /// The worker whose `next` is pending on this connection, and the pool's ticket for it.
    private var polling: (worker: RuntimeAPIServer.Worker, ticket: PollTicket?)?

    init(state: ConnectionState, directory: RuntimeAPIServer.Directory) {
        self.state = state
        self.directory = directory
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // A Runtime API client waits for the answer to `next` before it sends anything
            // else on the connection: one that does not is closed, its `next` abandoned.
            guard polling == nil else {
                context.close(promise: nil)
                return
            }
            state.enter(.readingBody)
            keepAlive = head.isKeepAlive
            body.clear()
            bodyTooLarge = false
            errorTypeHeader = head.headers.first(name: "lambda-runtime-function-error-type")
            call = Self.route(head, directory: directory)
        case .body(var part):
            // Only posts of a known worker keep their body.
            switch call {
            case .response?, .error?, .initError?: break
            default: return
            }
            guard !bodyTooLarge else { return }
            if body.readableBytes + part.readableBytes > RuntimeAPIServer.payloadLimit {
                bodyTooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&part)
            }
        case .end:
            state.enter(.handling)
            let current = call
            call = nil
            if let current { answer(current, context: context) }
        }
    }

    /// Which call `head` is, by its method and the path after the worker's prefix.
    private static func route(_ head: HTTPRequestHead, directory: RuntimeAPIServer.Directory) -> Call {
        // /PREFIX/2018-06-01/runtime/REST, REST being invocation/next, invocation/ID/response,
        // invocation/ID/error or init/error.
        let uri = head.uri[...]
        guard uri.hasPrefix("/"), let slash = uri.dropFirst().firstIndex(of: "/") else { return .notFound }
        let rest = uri[slash...]
        guard rest.hasPrefix(Self.versionPath), let worker = directory.worker(prefix: uri[uri.index(after: uri.startIndex)..<slash]) else {
            return .notFound
        }
        let call = rest.dropFirst(Self.versionPath.count)
        switch head.method {
        case .GET where call == "invocation/next":
            return .next(worker)
        case .POST where call == "init/error":
            return .initError(worker)
        case .POST where call.hasPrefix("invocation/") && call.hasSuffix("/response"):
            return .response(worker, requestID: requestID(call.dropFirst("invocation/".count).dropLast("/response".count)))
        case .POST where call.hasPrefix("invocation/") && call.hasSuffix("/error"):
            return .error(worker, requestID: requestID(call.dropFirst("invocation/".count).dropLast("/error".count)))
        default:
            return .notFound
        }
    }

    /// `/2018-06-01/runtime/`, what follows every prefix.
    private static let versionPath = "/\(RuntimeAPIServer.version)/runtime/"

    /// A request id from its path segment, percent-decoded when it needs to be.
    private static func requestID(_ segment: Substring) -> String {
        segment.utf8.contains(UInt8(ascii: "%")) ? String(segment).removingPercentEncoding ?? "" : String(segment)
    }

    private func answer(_ call: Call, context: ChannelHandlerContext) {
        switch call {
        case .notFound:
            json(.notFound, #"{"errorMessage":"no such resource","errorType":"NotFound"}"#, context: context)
        case .next(let worker):
            polling = (worker, nil)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let ticket = worker.pool.next(for: worker.id) { answer in
                loopBound.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.deliver(answer, context: context)
                }
            }
            // The answer runs on this event loop after this returns, so the ticket is in place.
            if polling != nil { polling?.ticket = ticket }
        case .response(let worker, let requestID):
            guard !bodyTooLarge else {
                // The invocation stays open: the runtime reports the failure as an error next.
                return failure(.payloadTooLarge, "RequestEntityTooLarge", "the response is larger than \(RuntimeAPIServer.payloadLimit) bytes", context)
            }
            let outcome = InvocationOutcome.response(Data(body.readableBytesView))
            body = ByteBuffer()
            decided(worker.pool.answer(requestID, from: worker.id, with: outcome), context)
        case .error(let worker, let requestID):
            let report = FunctionErrorReport(body: Data(body.readableBytesView), typeHeader: errorTypeHeader)
            decided(worker.pool.answer(requestID, from: worker.id, with: .functionError(report)), context)
        case .initError(let worker):
            let report = FunctionErrorReport(body: Data(body.readableBytesView), typeHeader: errorTypeHeader)
            guard worker.pool.reportInitError(from: worker.id, report) else {
                return failure(.forbidden, "InvalidStateTransition", "the runtime has already initialised", context)
            }
            json(.accepted, #"{"status":"OK"}"#, context: context)
        }
    }

    /// Answers the pending `next`, unless the connection has gone meanwhile.
    private func deliver(_ answer: WorkerPool.NextAnswer, context: ChannelHandlerContext) {
        guard let worker = polling?.worker, context.channel.isActive else { return }
        polling = nil
        switch answer {
        case .invocation(let invocation, let deadline):
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "lambda-runtime-aws-request-id", value: invocation.requestID)
            headers.add(name: "lambda-runtime-deadline-ms", value: String(deadline))
            headers.add(name: "lambda-runtime-invoked-function-arn", value: worker.pool.configuration.functionARN)
            headers.add(name: "lambda-runtime-trace-id", value: invocation.traceID)
            var body = context.channel.allocator.buffer(capacity: invocation.event.count)
            body.writeBytes(invocation.event)
            // The worker is busy with the invocation, up to --timeout: its connection is not
            // idle, and the idle timeout must not close it under the worker's answer.
            state.enter(.handling)
            context.writeResponse(status: .ok, headers: headers, body: body, keepAlive: keepAlive)
        case .refused:
            failure(.forbidden, "InvalidStateTransition", "this worker already holds an invocation, or is not the current one", context)
        case .released:
            // "Container error. Non-recoverable state. Runtime should exit promptly."
            failure(.internalServerError, "InternalServerError", "the execution environment is shutting down", context)
        }
    }

    /// The HTTP answer to a worker's `response` or `error` post.
    private func decided(_ decision: WorkerPoolStateMachine.AnswerDecision, _ context: ChannelHandlerContext) {
        switch decision {
        case .accept: json(.accepted, #"{"status":"OK"}"#, context: context)
        case .invalidRequestID: failure(.badRequest, "InvalidRequestID", "this worker holds no invocation with that id", context)
        case .invalidState: failure(.forbidden, "InvalidStateTransition", "this worker is not the current one", context)
        }
    }

    private func failure(_ status: HTTPResponseStatus, _ type: String, _ message: String, _ context: ChannelHandlerContext) {
        json(status, #"{"errorMessage":"\#(message)","errorType":"\#(type)"}"#, context: context)
    }

    private func json(_ status: HTTPResponseStatus, _ text: String, context: ChannelHandlerContext) {
        state.enter(.idle)
        context.writeResponse(status: status, headers: Self.jsonHeaders, body: context.channel.allocator.buffer(string: text), keepAlive: keepAlive)
    }

    private static let jsonHeaders: HTTPHeaders = ["content-type": "application/json"]

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.refuseUnparsable(error, answering: polling != nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The worker's connection closed while it waited: it is no longer waiting.
        if let (worker, ticket) = polling {
            polling = nil
            if let ticket { worker.pool.abandonPoll(ticket) }
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
