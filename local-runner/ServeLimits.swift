/// Every limit `serve` puts on what clients may send and hold, each a command-line option with
/// the default here (docs/local-runner.md, "Limits").
///
/// A limit refuses early and clearly: before a body is read, before an event is queued, before
/// a worker sees anything.
struct ServeLimits: Sendable, Equatable {
    /// Open client connections at once; past it, new connections wait in the listen backlog
    /// until one closes (`--max-connections`).
    var maxConnections = 1024
    /// How long a connection may sit between requests before it is closed (`--idle-timeout`).
    var idleTimeout: Duration = .seconds(60)
    /// How long a request's header may take to arrive, from its first byte (`--header-timeout`).
    var headerTimeout: Duration = .seconds(10)
    /// How long a request's body may take to arrive, after its header (`--body-timeout`).
    var bodyTimeout: Duration = .seconds(30)
    /// The largest event a worker is handed, and so the largest body: Lambda's 6 MB limit for a
    /// synchronous invocation's payload
    /// ([quotas](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)) (`--max-event-bytes`).
    var maxEventBytes = 6 * 1024 * 1024
    /// Invocations that may wait for a worker, per function (`--queue-depth`).
    var queueDepth = 256
    /// How long an invocation may wait for a worker (`--queue-timeout`).
    var queueTimeout: Duration = .seconds(10)
    /// Bytes of request bodies and events the runner holds at once, over every request
    /// (`--max-pending-bytes`): what bounds its memory under many large uploads.
    var maxPendingBytes = 64 * 1024 * 1024

    /// The defaults.
    static let defaults = ServeLimits()

    /// The seconds a refused client is told to wait in `Retry-After`.
    static let retryAfterSeconds = 1
}
