import NIOCore
import Synchronization

/// Where a client connection is in its current request, and since when: what its time limits
/// are measured against (``ServeLimits``).
///
/// ``ConnectionGuard`` moves it from idle to reading a header when a request's first byte
/// arrives; the connection's HTTP handler moves it on as the request progresses. Both run on
/// the connection's event loop; the state is atomic only so the guard's timer can read it.
final class ConnectionState: Sendable {
    /// The current request's phase.
    enum Phase: UInt8 {
        /// Between requests, no byte of the next one yet: the idle timeout runs.
        case idle
        /// Bytes of a request have arrived but not its whole header: the header timeout runs.
        case readingHeader
        /// The header is in; its body is being read: the body timeout runs.
        case readingBody
        /// The request is being handled: the queue's and the worker's limits apply, not the
        /// connection's.
        case handling
    }

    private let phase = Atomic<UInt8>(Phase.idle.rawValue)
    private let since = Atomic<Int64>(ConnectionState.now())

    /// The phase, and the uptime nanoseconds it began at.
    var current: (phase: Phase, since: Int64) {
        (Phase(rawValue: phase.load(ordering: .acquiring)) ?? .idle, since.load(ordering: .relaxed))
    }

    /// Enters `phase` now.
    func enter(_ next: Phase) {
        since.store(Self.now(), ordering: .relaxed)
        phase.store(next.rawValue, ordering: .releasing)
    }

    /// Bytes arrived: between requests, they start the next request's header.
    func bytesArrived() {
        guard phase.load(ordering: .relaxed) == Phase.idle.rawValue else { return }
        enter(.readingHeader)
    }

    /// Uptime in nanoseconds.
    static func now() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds)
    }
}

/// The first handler of every connection, before the HTTP decoder: it sees each byte arrive,
/// and closes the connection when the phase it is in outlasts its limit: a header sent a byte
/// at a time (slowloris), a stalled upload, a connection left idle.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limits: ServeLimits
    private let state: ConnectionState
    private var check: RepeatedTask?

    init(limits: ServeLimits, state: ConnectionState) {
        self.limits = limits
        self.state = state
    }

    /// How often a connection's phase is checked against its limit: a fifth of the shortest
    /// limit, between 50 ms and one second, so a limit is enforced within 20% of itself.
    static func checkInterval(_ limits: ServeLimits) -> TimeAmount {
        let shortest = min(limits.idleTimeout, limits.headerTimeout, limits.bodyTimeout) / 5
        return .milliseconds(min(max(shortest, .milliseconds(50)), .seconds(1)).wholeMilliseconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        state.enter(.idle)
        let limits = limits
        let state = state
        let interval = Self.checkInterval(limits)
        let channel = context.channel
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            let (phase, since) = state.current
            guard let limit = Self.limit(of: phase, in: limits), ConnectionState.now() - since > limit else { return }
            task.cancel()
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.bytesArrived()
        context.fireChannelRead(data)
    }

    /// The limit of `phase` in nanoseconds, `nil` for none.
    static func limit(of phase: ConnectionState.Phase, in limits: ServeLimits) -> Int64? {
        let duration: Duration
        switch phase {
        case .idle: duration = limits.idleTimeout
        case .readingHeader: duration = limits.headerTimeout
        case .readingBody: duration = limits.bodyTimeout
        case .handling: return nil
        }
        return duration.wholeMilliseconds * 1_000_000
    }
}

/// On a listening channel: stops accepting while `maximum` connections are open, and accepts
/// again when one closes. Connections past the cap wait in the kernel's listen backlog.
final class ConnectionCap: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    private let maximum: Int
    private var open = 0
    private var readDeferred = false

    init(maximum: Int) {
        self.maximum = maximum
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        open += 1
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        child.closeFuture.hop(to: context.eventLoop).whenComplete { _ in
            let (cap, context) = loopBound.value
            cap.open -= 1
            if cap.readDeferred, cap.open < cap.maximum {
                cap.readDeferred = false
                context.read()
            }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard open < maximum else {
            readDeferred = true
            return
        }
        context.read()
    }
}
