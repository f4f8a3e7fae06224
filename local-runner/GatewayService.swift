import ServiceLifecycle

/// The gateway's listener as a service of the runner: it serves until the group shuts down
/// gracefully, then stops accepting connections and waits for the requests in flight to be
/// answered (their workers are stopped only after, by ``WorkerFleet``).
struct GatewayService: Service {
    let server: LoopbackServer
    let gateway: ServeGateway

    func run() async throws {
        // Cancellation (another service failed) ends the wait too.
        try? await gracefulShutdown()
        await server.stopAccepting()
        await gateway.inFlight.drained()
    }
}
