import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1, the transport of both the gateway and the Runtime API.
///
/// Each connection's pipeline is: a ``ConnectionGuard`` (time limits, before any parsing),
/// NIO's HTTP/1.1 encoder and decoder (llhttp, with its header size limits), then the server's
/// own handler, which sees each request as head, body parts and end, on the connection's event
/// loop, and answers what does not parse with 400 (``ChannelHandlerContext/refuseUnparsable(_:)``). No request
/// hops to another thread unless its handler sends it there; that, and writing responses with
/// no framework in between, is most of the runner's speed (docs/local-runner.md).
struct LoopbackServer: Sendable {
    /// The listening channel.
    let channel: any Channel

    /// The port it listens on.
    var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds 127.0.0.1:`port` (0 for a free one) on `group`, with at most `maxConnections` open
    /// at once; `makeHandler` makes each connection's HTTP handler, given its state.
    static func start(
        port: Int, group: any EventLoopGroup, limits: ServeLimits, maxConnections: Int,
        makeHandler: @escaping @Sendable (ConnectionState) -> any ChannelHandler
    ) async throws -> LoopbackServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // One connection per accept, so the cap counts each before the next is taken.
            .serverChannelOption(.maxMessagesPerRead, value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ConnectionCap(maximum: maxConnections)) }
            }
            // A client's FIN is an event the handler sees (a client that has gone), not a close.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let state = ConnectionState()
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ConnectionGuard(limits: limits, state: state))
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(makeHandler(state))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        return LoopbackServer(channel: channel)
    }

    /// Stops accepting connections; open ones stay until their handlers close them.
    func stopAccepting() async {
        try? await channel.close()
    }
}

/// Writing a whole response with one flush.
extension ChannelHandlerContext {
    /// What a handler does with an error: a request that does not parse gets 400 and the
    /// connection closes, when no answer is under way (`answering`); anything else closes it.
    func refuseUnparsable(_ error: any Error, answering: Bool) {
        guard error is HTTPParserError, !answering else {
            close(promise: nil)
            return
        }
        let body = #"{"error":{"code":"BAD_REQUEST","message":"The request is not valid HTTP/1.1.","requestId":""}}"#
        writeResponse(status: .badRequest, headers: ["content-type": "application/json"], body: channel.allocator.buffer(string: body), keepAlive: false)
    }

    /// Writes `status`, `headers` (plus `content-length`) and `body`, then closes the
    /// connection unless `keepAlive`. With `omittingBody` (a `HEAD` request, a 304) the body is
    /// only counted: `content-length` says how long it is, and nothing of it is sent.
    func writeResponse(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer?, keepAlive: Bool, omittingBody: Bool = false) {
        var headers = headers
        headers.replaceOrAdd(name: "content-length", value: String(body?.readableBytes ?? 0))
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if let body, body.readableBytes > 0, !omittingBody {
            write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        let written = eventLoop.makePromise(of: Void.self)
        writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: written)
        if !keepAlive {
            let channel = channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
