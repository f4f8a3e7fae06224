import Foundation
import NIOCore
import NIOHTTP1
import QuizBootstrap

/// One client connection of the gateway: reads each request as head, body parts and end,
/// asks ``ServeGateway`` what to do at each step, and writes the answer, all on the
/// connection's event loop. A request's one hop elsewhere is its invocation (or the dev login's
/// signing), whose reply comes back here; a file of the web app is answered from memory.
///
/// One request is handled at a time. A client that pipelines (sends the next request before the
/// answer) has its next request's parts held until the answer is written, up to 64 KiB.
final class GatewayHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: ServeGateway
    private let connection: ConnectionState

    /// The request being received: its header, route, caller and body so far.
    private struct Receiving {
        var head: HTTPRequestHead
        var route: ServeGateway.Route
        var requestID: String
        var started: NIODeadline
        /// `nil` while the token is being verified.
        var claims: [String: String]?
        var body: ByteBuffer
        var ended = false
    }

    private enum Phase {
        /// Between requests.
        case idle
        case receiving(Receiving)
        /// Refused already; the rest of the request is dropped.
        case discarding
        /// Being answered: queued or running on a worker, or the dev login signing a token.
        /// `function` is the function whose queue it may wait in.
        case running(requestID: String, function: FunctionName?, head: HTTPRequestHead, started: NIODeadline)
    }

    private var phase = Phase.idle
    /// Parts of a pipelined request that arrived while one was being handled.
    private var held: [HTTPServerRequestPart] = []
    private var heldBytes = 0
    /// How many bytes of held parts a pipelining client may send ahead.
    static let heldLimit = 64 * 1024

    init(gateway: ServeGateway, connection: ConnectionState) {
        self.gateway = gateway
        self.connection = connection
    }

    // MARK: - Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch phase {
        case .running:
            hold(part, context: context)
        default:
            receive(part, context: context)
        }
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            guard case .idle = phase else { return context.close(promise: nil) }
            begin(head, context: context)
        case .body(var chunk):
            guard case .receiving(var request) = phase else { return }
            // The buffer must be the request's only reference while it grows, or each part
            // would copy all that came before it.
            phase = .idle
            let limit = request.route.bodyLimit(gateway.limits)
            guard request.body.readableBytes + chunk.readableBytes <= limit else {
                gateway.pending.release(request.body.readableBytes)
                return refuse(.payloadTooLarge(limit: limit), request, context: context)
            }
            guard gateway.pending.reserve(chunk.readableBytes) else {
                gateway.pending.release(request.body.readableBytes)
                return refuse(.noRoom, request, context: context)
            }
            request.body.writeBuffer(&chunk)
            phase = .receiving(request)
        case .end:
            switch phase {
            case .receiving(var request):
                request.ended = true
                connection.enter(.handling)
                phase = .receiving(request)
                if request.claims != nil { run(request, context: context) }
            case .discarding:
                phase = .idle
                connection.enter(.idle)
                replayHeld(context: context)
            case .idle, .running:
                context.close(promise: nil)
            }
        }
    }

    /// The header is in: refuse, or start reading the body (and verifying the token).
    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let requestID = RequestIdentifiers.requestID()
        let started = NIODeadline.now()
        gateway.inFlight.began()
        connection.enter(.readingBody)
        switch gateway.start(head, requestID: requestID) {
        case .refuse(let response, let responder):
            phase = .discarding
            respond(response, head: head, requestID: requestID, responder: responder, workerPID: nil, started: started, context: context)
        case .accept(let route, let claims, let token):
            // A client that asks before sending its body (curl does past 1 MB) is told to go on.
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            phase = .receiving(
                Receiving(head: head, route: route, requestID: requestID, started: started, claims: claims, body: context.channel.allocator.buffer(capacity: 0)))
            if let token { verify(token, requestID: requestID, context: context) }
        }
    }

    /// Verifies a token not seen before, off the event loop, then goes on with the request.
    private func verify(_ token: String, requestID: String, context: ChannelHandlerContext) {
        let tokens = gateway.tokens
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let verdict = await tokens.verify(token)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                guard case .receiving(var request) = handler.phase, request.requestID == requestID else { return }
                switch verdict {
                case .success(let claims):
                    request.claims = claims
                    handler.phase = .receiving(request)
                    if request.ended { handler.run(request, context: context) }
                case .failure:
                    handler.gateway.pending.release(request.body.readableBytes)
                    handler.refuse(.invalidToken, request, context: context)
                }
            }
        }
    }

    /// Answers `request` with `failure` now; the rest of its body, if any, is dropped.
    private func refuse(_ failure: ServeGatewayError, _ request: Receiving, context: ChannelHandlerContext) {
        phase = request.ended ? .idle : .discarding
        respond(
            ServeResponse(failure.response(requestID: request.requestID)), head: request.head, requestID: request.requestID,
            responder: request.route.responder, workerPID: nil, started: request.started, context: context)
        if request.ended { replayHeld(context: context) }
    }

    // MARK: - Running

    private func run(_ request: Receiving, context: ChannelHandlerContext) {
        guard let claims = request.claims else { return }
        phase = .running(requestID: request.requestID, function: request.route.function, head: request.head, started: request.started)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let requestID = request.requestID
        // Always as a task of its own, even on this loop: a reply comes from a worker's post,
        // whose 202 is then written first, and the worker moves on while its answer goes out.
        gateway.run(request.head, request.route, claims: claims, body: request.body, requestID: requestID) { reply in
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.finish(reply, requestID: requestID, context: context)
            }
        }
    }

    private func finish(_ reply: ServeGateway.Reply, requestID: String, context: ChannelHandlerContext) {
        guard case .running(requestID, _, let head, let started) = phase else { return }
        phase = .idle
        respond(reply.response, head: head, requestID: requestID, responder: reply.responder, workerPID: reply.workerPID, started: started, context: context)
        replayHeld(context: context)
    }

    // MARK: - Writing

    /// Writes `response` with the request id (and the worker's pid), and logs the request:
    /// `METHOD PATH STATUS N ms [RESPONDER [pid P]] REQUEST-ID`, where the responder is a
    /// function, `web` (a file of the web app) or `dev-login`. Nothing else of the request or
    /// the response is logged: no query, no header, no body, no token.
    private func respond(
        _ response: ServeResponse, head: HTTPRequestHead, requestID: String, responder: ServeGateway.Responder?, workerPID: Int32?,
        started: NIODeadline, context: ChannelHandlerContext
    ) {
        gateway.inFlight.ended()
        if case .idle = phase { connection.enter(.idle) }
        var headers = response.headers
        headers.add(name: ServeGateway.requestIDHeader, value: requestID)
        if let workerPID { headers.add(name: ServeGateway.workerHeader, value: String(workerPID)) }
        // The log line goes first: a client that has its answer finds the request in the log.
        let elapsed = (NIODeadline.now() - started).nanoseconds / 1_000_000
        let label = responder.map { " \($0.name)" + (workerPID.map { " pid \($0)" } ?? "") } ?? ""
        printError("\(head.method.rawValue) \(ServeGateway.split(head.uri).path) \(response.status.code) \(elapsed) ms\(label) \(requestID)")
        context.writeResponse(
            status: response.status, headers: headers, body: response.body, keepAlive: head.isKeepAlive,
            omittingBody: response.bodyIsOmitted(for: head.method))
    }

    // MARK: - Pipelining and the connection's end

    private func hold(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if case .body(let chunk) = part { heldBytes += chunk.readableBytes }
        held.append(part)
        if heldBytes > Self.heldLimit { context.close(promise: nil) }
    }

    private func replayHeld(context: ChannelHandlerContext) {
        while !held.isEmpty, case .idle = phase {
            let part = held.removeFirst()
            if case .body(let chunk) = part { heldBytes -= chunk.readableBytes }
            receive(part, context: context)
        }
        if case .discarding = phase {
            // The rest of a refused request may already be held: drop it.
            while !held.isEmpty, case .discarding = phase {
                let part = held.removeFirst()
                if case .body(let chunk) = part { heldBytes -= chunk.readableBytes }
                receive(part, context: context)
            }
            if case .idle = phase { replayHeld(context: context) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client closed its side. Between requests that ends the connection as usual; with a
        // request in flight it means the client has gone (an HTTP/1.1 client waiting for its
        // answer does not half-close; nginx reads it the same way): close, and the request is
        // withdrawn if it still waits for a worker.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch phase {
        case .idle, .discarding: context.refuseUnparsable(error, answering: false)
        case .receiving(let request): context.refuseUnparsable(error, answering: request.ended)
        case .running: context.refuseUnparsable(error, answering: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .receiving(let request):
            gateway.pending.release(request.body.readableBytes)
            gateway.inFlight.ended()
        case .running(let requestID, let function, _, _):
            if let function { gateway.withdraw(requestID, from: function) }
            gateway.inFlight.ended()
        case .idle, .discarding:
            break
        }
        phase = .idle
        held.removeAll()
        context.fireChannelInactive()
    }
}
