import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import QuizBootstrap
import ServiceLifecycle
import UnixSignals

/// `local-runner serve`: the whole HTTP API on 127.0.0.1, each function running as worker
/// processes of its real bootstrap behind the runner's own Lambda Runtime API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API on 127.0.0.1, each function running as worker processes of its real bootstrap.",
        discussion: """
            Like `sam local start-api`, but with warm workers: each function runs as --workers processes of its \
            `<function>-function` bootstrap, each fed through the runner's own Lambda Runtime API, one invocation \
            at a time; a request that finds every worker busy waits its turn. A worker that crashes is replaced and \
            its caller gets 502 WORKER_FAILED; one that runs past --timeout is killed and replaced, and its caller \
            gets 504 WORKER_TIMEOUT.

            Every route but GET /health needs `Authorization: Bearer <token>` (see `local-runner token`); like API \
            Gateway's JWT authorizer, the runner answers 401 itself for a missing, forged or expired token, and puts \
            a valid token's claims into the event. Request bodies over 6 MB get 413.

            Workers inherit this environment (QUIZ_STORE_URL, default sqlite:.quiz/quiz.db; LOG_LEVEL; …) with the \
            variables Lambda defines (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, …). Their logs and one line \
            per request go to standard error. SIGINT or SIGTERM lets requests in flight finish, then stops every worker.
            """
    )

    @Option(help: "The port to listen on, on 127.0.0.1; 0 picks a free one (the startup line names it).")
    var port = 3000

    @Option(help: "Worker processes per HTTP function (maintenance always runs one).")
    var workers = 2

    @Option(help: "Seconds an invocation may run before its worker is killed and replaced (Lambda's function timeout).")
    var timeout = 30

    @Option(name: .customLong("maintenance-interval"), help: "Seconds between scheduled maintenance runs; 0 turns them off.")
    var maintenanceInterval = 300

    @Option(name: .customLong("env-vars"), help: "A JSON file of environment variables for the workers, as `sam local start-api --env-vars` takes.")
    var envVars: String?

    @Option(
        name: .customLong("bootstrap-dir"),
        help: "The directory holding the <function>-function bootstraps (default: the one holding local-runner).")
    var bootstrapDirectory: String?

    @OptionGroup(title: "Web app") var webApp: WebAppOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be 1...32") }
        // Lambda's own bounds for a function timeout.
        guard (1...900).contains(timeout) else { throw ValidationError("--timeout must be 1...900 seconds") }
        guard maintenanceInterval >= 0 else { throw ValidationError("--maintenance-interval must be 0 (off) or more seconds") }
    }

    func run() async throws {
        let fleet = WorkerFleet(try makePools())
        let tokens = try await LocalTokens.load()
        let webAppSetup = try webApp.setUp(tokens: tokens, envVarsFile: envVars, executableDirectory: Self.executableDirectory)
        do {
            try await fleet.start()
        } catch {
            printError("local-runner: \(error)")
            throw ExitCode(1)
        }

        let logger = Self.logger
        let summary = startupSummary(fleet)
        let gateway = ServeGateway(pools: fleet.pools, tokens: tokens, timeout: .seconds(timeout))
        let app = Application(
            responder: webAppSetup.serving(gateway),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                printError("local-runner: serving http://127.0.0.1:\(channel.localAddress?.port ?? 0) (\(summary))")
            },
            logger: logger)

        // Graceful shutdown stops services last-first: the server (finishing its requests),
        // then the schedule, then the workers.
        var services: [any Service] = [fleet]
        if maintenanceInterval > 0, let maintenance = fleet.pools[.maintenance] {
            services.append(ServeMaintenanceSchedule(pool: maintenance, interval: .seconds(maintenanceInterval)))
        }
        services.append(app)
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Requests in flight end within the timeout; past that, cancellation takes over.
        configuration.maximumGracefulShutdownDuration = .seconds(timeout + 5)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            printError("local-runner: serve stopped: \(error)")
            await fleet.shutDown()
            throw ExitCode(1)
        }
        printError("local-runner: stopped; every worker has exited")
    }

    // MARK: - Composition

    /// One pool per function, over its bootstrap in ``bootstrapDirectory``.
    private func makePools() throws -> [FunctionName: WorkerPool] {
        let directory = bootstrapDirectory.map { URL(fileURLWithPath: $0) } ?? Self.executableDirectory
        var pools: [FunctionName: WorkerPool] = [:]
        for function in FunctionName.allCases {
            let bootstrap = directory.appendingPathComponent("\(function.rawValue)-function")
            guard FileManager.default.isExecutableFile(atPath: bootstrap.path) else {
                throw ValidationError(
                    "no executable \(bootstrap.lastPathComponent) in \(directory.path): build the bootstraps "
                        + "(`swift build --product \(bootstrap.lastPathComponent)`) or point --bootstrap-dir at them")
            }
            let inherited = try RunnerEnvironment.variables(for: function, envVarsFile: envVars)
            let environment = WorkerEnvironment.base(inherited, function: function, timeout: .seconds(timeout), bootstrapDirectory: directory)
            pools[function] = WorkerPool(
                WorkerPool.Configuration(
                    function: function, bootstrap: bootstrap, workers: function == .maintenance ? 1 : workers,
                    timeout: .seconds(timeout), environment: environment))
        }
        return pools
    }

    /// What the startup line says besides the URL.
    private func startupSummary(_ fleet: WorkerFleet) -> String {
        let schedule = maintenanceInterval > 0 ? "maintenance every \(maintenanceInterval) s" : "no scheduled maintenance"
        let store = fleet.pools[.session]?.configuration.environment["QUIZ_STORE_URL"] ?? WorkerEnvironment.defaultStoreURL
        return "workers: \(fleet.summary); timeout \(timeout) s; \(schedule); store \(store)"
    }

    /// The directory of the running `local-runner` executable, where `swift build` puts the
    /// bootstraps too.
    static var executableDirectory: URL {
        let executable =
            FileManager.default.fileExists(atPath: "/proc/self/exe")
            ? URL(fileURLWithPath: "/proc/self/exe") : URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Warnings and errors of the server and the service group, to standard error; their
    /// informational lines would repeat what the runner prints itself.
    static var logger: Logger {
        var logger = Logger(label: "local-runner") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }
}
