import QuizBootstrap
import ServiceLifecycle

/// Every function's ``WorkerPool``, started together and stopped together.
///
/// As a `Service`, the fleet does nothing until the service group shuts down gracefully, then
/// stops every worker. It comes first in the group, so it stops last: after the HTTP server has
/// finished the requests it was serving, whose invocations still needed their workers.
struct WorkerFleet: Service {
    /// The pools, by function.
    let pools: [FunctionName: WorkerPool]

    /// A fleet of these pools, none started yet.
    init(_ pools: [FunctionName: WorkerPool]) {
        self.pools = pools
    }

    /// The number of workers each function runs, in ``FunctionName`` order, e.g. `session ×2`.
    var summary: String {
        FunctionName.allCases.compactMap { function in
            pools[function].map { "\(function) ×\($0.configuration.workers)" }
        }.joined(separator: ", ")
    }

    /// Starts every pool at once and returns when every worker has asked for its first
    /// invocation. When any worker fails to initialise, stops the whole fleet and throws why.
    func start() async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for pool in pools.values {
                    group.addTask { try await pool.start() }
                }
                try await group.waitForAll()
            }
        } catch {
            await shutDown()
            throw error
        }
    }

    /// Stops every worker of every pool, and returns once each process has been reaped.
    func shutDown() async {
        await withTaskGroup(of: Void.self) { group in
            for pool in pools.values {
                group.addTask { await pool.shutDown() }
            }
        }
    }

    /// Waits for the group's graceful shutdown (or its cancellation), then stops the workers.
    func run() async throws {
        // Cancellation (another service failed) ends the wait too; either way the workers go.
        try? await gracefulShutdown()
        await shutDown()
    }
}
