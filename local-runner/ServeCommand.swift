import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
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
            at a time (or --concurrency at a time, as Lambda Managed Instances run an execution environment, with \
            AWS_LAMBDA_MAX_CONCURRENCY set); a request that finds every worker busy waits its turn. A worker that \
            crashes is replaced and the callers it held get 502 WORKER_FAILED; an invocation that runs past --timeout \
            gets 504 WORKER_TIMEOUT, and a worker whose every loop is past its timeout (with one loop: at once) is \
            killed and replaced.

            With --watch, a change to the package's Sources/, functions/ or Package.swift rebuilds the functions it \
            may affect (`swift build --product <function>-function`, in the configuration the bootstraps came from); \
            each rebuilt function gets new workers, and the old ones stop once their invocations are answered. A \
            failed build keeps the old workers and prints the compiler's output.

            Every API route but GET /health needs `Authorization: Bearer <token>` (see `local-runner token`); like \
            API Gateway's JWT authorizer, the runner answers 401 itself for a missing, forged, expired or absurd \
            token, and puts a valid token's claims (never the token) into the event.

            Beside the API, on paths no API route claims, it serves the learner's web app (--web-root, default the \
            repository's web/): GET and HEAD of its files at their exact paths, with no token, and a config.json \
            describing this runner; and POST /dev/token, the app's local sign-in, which mints a learner token for a \
            user name (author tokens only with --dev-login-authors), answers only requests addressed to and sent \
            from 127.0.0.1 or localhost, and reads a JSON body of at most 4 KiB; --no-dev-login removes it. Both go \
            through the limits below like any request; any other path or method is 404 or 405.

            Every limit refuses early and clearly: a body on GET/HEAD/DELETE/OPTIONS gets 400 unread; a body or an \
            encoded event over --max-event-bytes 413, before it is queued; a full queue (--queue-depth) or a full \
            byte budget (--max-pending-bytes) 503 with Retry-After; a request that waits past --queue-timeout 504; \
            a request whose client has gone is dropped before any worker sees it; connections past \
            --max-connections wait to be accepted; a header, body or idle connection past its timeout is closed.

            Workers get an allow-listed environment (PATH, HOME, TMPDIR, LANG, LD_LIBRARY_PATH; QUIZ_* but \
            QUIZ_JWT_SECRET; AWS credentials and region; LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL, \
            POWERTOOLS_METRICS_NAMESPACE), every --env-file and --env-vars variable but QUIZ_JWT_SECRET (--env-vars \
            winning over --env-file, both over the runner's environment), and the variables Lambda defines; each worker's Runtime API sits under a random path prefix only it knows. Their logs and one line \
            per request go to standard error. SIGINT or SIGTERM lets requests in flight finish, then stops every worker.
            """
    )

    @Option(help: "The port to listen on, on 127.0.0.1; 0 picks a free one (the startup line names it).")
    var port = 3000

    @Option(help: "Worker processes per HTTP function (maintenance always runs one).")
    var workers = 2

    @Option(
        help: ArgumentHelp(
            "Invocations each worker of an HTTP function runs at once, as Lambda Managed Instances do (AWS_LAMBDA_MAX_CONCURRENCY).",
            discussion: "1, the default, is Lambda's classic model: one invocation per worker at a time."))
    var concurrency = 1

    @Option(
        help: "Seconds an invocation may run (Lambda's function timeout): its caller then gets 504, and a worker with no loop left is replaced.")
    var timeout = 30

    @Option(name: .customLong("maintenance-interval"), help: "Seconds between scheduled maintenance runs; 0 turns them off.")
    var maintenanceInterval = 300

    @OptionGroup(title: "Environment") var environmentFiles: EnvironmentOptions

    @Option(
        name: .customLong("bootstrap-dir"),
        help: "The directory holding the <function>-function bootstraps (default: the one holding local-runner).")
    var bootstrapDirectory: String?

    @Option(name: .customLong("max-connections"), help: "Client connections open at once; more wait to be accepted.")
    var maxConnections = ServeLimits.defaults.maxConnections

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may sit idle between requests before it is closed.")
    var idleTimeout = Int(ServeLimits.defaults.idleTimeout.components.seconds)

    @Option(name: .customLong("header-timeout"), help: "Seconds a request's header may take to arrive, from its first byte.")
    var headerTimeout = Int(ServeLimits.defaults.headerTimeout.components.seconds)

    @Option(name: .customLong("body-timeout"), help: "Seconds a request's body may take to arrive, after its header.")
    var bodyTimeout = Int(ServeLimits.defaults.bodyTimeout.components.seconds)

    @Option(
        name: .customLong("max-event-bytes"),
        help: "The largest event a worker is handed, and so the largest request body (Lambda's 6 MB invocation limit).")
    var maxEventBytes = ServeLimits.defaults.maxEventBytes

    @Option(name: .customLong("queue-depth"), help: "Requests that may wait for a busy function's workers; more get 503.")
    var queueDepth = ServeLimits.defaults.queueDepth

    @Option(name: .customLong("queue-timeout"), help: "Seconds a request may wait for a worker; longer gets 504.")
    var queueTimeout = Int(ServeLimits.defaults.queueTimeout.components.seconds)

    @Option(
        name: .customLong("max-pending-bytes"),
        help: "Bytes of request bodies and events held at once over all requests; more get 503.")
    var maxPendingBytes = ServeLimits.defaults.maxPendingBytes

    @OptionGroup(title: "Web app") var webApp: WebAppOptions

    @OptionGroup(title: "Rebuilding") var watchOptions: WatchOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be 1...32") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1...64") }
        // Lambda's own bounds for a function timeout.
        guard (1...900).contains(timeout) else { throw ValidationError("--timeout must be 1...900 seconds") }
        guard maintenanceInterval >= 0 else { throw ValidationError("--maintenance-interval must be 0 (off) or more seconds") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1...100000") }
        guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be 1...3600 seconds") }
        guard (1...300).contains(headerTimeout) else { throw ValidationError("--header-timeout must be 1...300 seconds") }
        guard (1...900).contains(bodyTimeout) else { throw ValidationError("--body-timeout must be 1...900 seconds") }
        let lambdaLimit = ServeLimits.defaults.maxEventBytes
        guard (4096...lambdaLimit).contains(maxEventBytes) else {
            throw ValidationError("--max-event-bytes must be 4096...\(lambdaLimit) (Lambda's limit)")
        }
        guard (0...100_000).contains(queueDepth) else { throw ValidationError("--queue-depth must be 0...100000") }
        guard (1...900).contains(queueTimeout) else { throw ValidationError("--queue-timeout must be 1...900 seconds") }
        guard maxPendingBytes >= maxEventBytes else {
            throw ValidationError("--max-pending-bytes must be at least --max-event-bytes (\(maxEventBytes))")
        }
    }

    /// The limits the options set.
    var limits: ServeLimits {
        ServeLimits(
            maxConnections: maxConnections, idleTimeout: .seconds(idleTimeout), headerTimeout: .seconds(headerTimeout),
            bodyTimeout: .seconds(bodyTimeout), maxEventBytes: maxEventBytes, queueDepth: queueDepth, queueTimeout: .seconds(queueTimeout),
            maxPendingBytes: maxPendingBytes)
    }

    func run() async throws {
        // The data directory holds the token secret, and by default the database: owner-only,
        // also when an earlier version made it open to others.
        let dataDirectory = RunnerEnvironment.dataDirectory()
        if FileManager.default.fileExists(atPath: dataDirectory) { try OwnerOnlyFiles.folder(dataDirectory) }
        let tokens = try await LocalTokens.load()
        // The web app is read before any worker starts: a bad folder stops serve with nothing to clean up.
        let webApp = try self.webApp.setUp(tokens: tokens, environment: environmentFiles, executableDirectory: Self.executableDirectory)
        if let envFile = environmentFiles.envFile, try RunnerEnvironment.environmentFile(envFile)[WorkerEnvironment.tokenSecret] != nil {
            printError("local-runner: \(WorkerEnvironment.tokenSecret) in --env-file \(envFile) is not given to workers, and serve does not sign with it")
        }
        let watcher = try watchOptions.watch
            ? FunctionBuilder.resolve(bootstrapDirectory: bootstrapURL, packagePath: watchOptions.packagePath, swift: watchOptions.swift)
            : nil
        let limits = self.limits
        // One event loop for every connection: a request's hand-offs between its client's
        // connection and its worker's never wake another thread. Measured on two cores, two
        // loops cost the runner more CPU per request than one, which has room to spare
        // (docs/local-runner.md, "Speed").
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await serve(on: group, limits: limits, tokens: tokens, webApp: webApp, builder: watcher)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
        printError("local-runner: stopped; every worker has exited")
    }

    /// Starts the Runtime API, the workers and the gateway (with `webApp` beside the API) on
    /// `group`, and runs them until a signal stops them.
    private func serve(
        on group: MultiThreadedEventLoopGroup, limits: ServeLimits, tokens: LocalTokens, webApp: ServeWebApp, builder: FunctionBuilder?
    ) async throws {
        // A worker holds one connection to its Runtime API per loop, two workers a slot while
        // one replaces the other; room for some reconnecting.
        let runtimeAPI = try await RuntimeAPIServer.start(
            group: group, limits: limits, maxConnections: 64 + 4 * workers * concurrency * FunctionName.allCases.count)
        let fleet = WorkerFleet(try makePools(runtimeAPI: runtimeAPI, timers: group.next()))
        do {
            try await fleet.start()
        } catch {
            printError("local-runner: \(error)")
            throw ExitCode(1)
        }

        let logger = Self.logger
        let gateway = ServeGateway(pools: fleet.pools, tokens: tokens, timeout: .seconds(timeout), limits: limits, webApp: webApp)
        let server: LoopbackServer
        do {
            server = try await LoopbackServer.start(port: port, group: group, limits: limits, maxConnections: limits.maxConnections) { connection in
                GatewayHandler(gateway: gateway, connection: connection)
            }
        } catch {
            printError("local-runner: cannot listen on 127.0.0.1:\(port): \(error)")
            await fleet.shutDown()
            throw ExitCode(1)
        }
        printError("local-runner: serving http://127.0.0.1:\(server.port) (\(startupSummary(fleet)))")

        // Graceful shutdown stops services last-first: the gateway (finishing its requests),
        // then the schedule, then the workers.
        var services: [any Service] = [fleet]
        if maintenanceInterval > 0, let maintenance = fleet.pools[.maintenance] {
            services.append(ServeMaintenanceSchedule(pool: maintenance, interval: .seconds(maintenanceInterval)))
        }
        if let builder {
            let watch = SourceWatchService(
                pools: fleet.pools, tree: SourceTree(root: builder.packagePath), builder: builder, interval: .milliseconds(watchOptions.watchInterval))
            printError("local-runner: \(watch.summary)")
            services.append(watch)
        }
        services.append(GatewayService(server: server, gateway: gateway))
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
    }

    // MARK: - Composition

    /// One pool per function, over its bootstrap in ``bootstrapDirectory``.
    private func makePools(runtimeAPI: RuntimeAPIServer, timers: any EventLoop) throws -> [FunctionName: WorkerPool] {
        let directory = bootstrapURL
        var pools: [FunctionName: WorkerPool] = [:]
        let inherited = ProcessInfo.processInfo.environment
        for function in FunctionName.allCases {
            let bootstrap = directory.appendingPathComponent("\(function.rawValue)-function")
            guard FileManager.default.isExecutableFile(atPath: bootstrap.path) else {
                throw ValidationError(
                    "no executable \(bootstrap.lastPathComponent) in \(directory.path): build the bootstraps "
                        + "(`swift build --product \(bootstrap.lastPathComponent)`) or point --bootstrap-dir at them")
            }
            // Maintenance runs one worker of one loop: its runs never overlap.
            let concurrency = function == .maintenance ? 1 : concurrency
            let overrides = try environmentFiles.overrides(for: function)
            let environment = WorkerEnvironment.base(
                inherited: inherited, overrides: overrides, function: function, timeout: .seconds(timeout), concurrency: concurrency,
                bootstrapDirectory: directory)
            pools[function] = WorkerPool(
                WorkerPool.Configuration(
                    function: function, bootstrap: bootstrap, workers: function == .maintenance ? 1 : workers, concurrency: concurrency,
                    timeout: .seconds(timeout), environment: environment, queueDepth: queueDepth, queueTimeout: .seconds(queueTimeout)),
                runtimeAPI: runtimeAPI, timers: timers)
        }
        return pools
    }

    /// What the startup line says besides the URL.
    private func startupSummary(_ fleet: WorkerFleet) -> String {
        let schedule = maintenanceInterval > 0 ? "maintenance every \(maintenanceInterval) s" : "no scheduled maintenance"
        let store = fleet.pools[.session]?.configuration.environment["QUIZ_STORE_URL"] ?? WorkerEnvironment.defaultStoreURL
        let loops = concurrency > 1 ? "; \(concurrency) invocations at once per worker" : ""
        return "workers: \(fleet.summary)\(loops); timeout \(timeout) s; queue \(queueDepth) per function, \(queueTimeout) s; \(schedule); store \(store)"
    }

    /// Where the bootstraps are: `--bootstrap-dir`, else beside `local-runner`.
    private var bootstrapURL: URL {
        bootstrapDirectory.map { URL(fileURLWithPath: $0) } ?? Self.executableDirectory
    }

    /// The directory of the running `local-runner` executable, where `swift build` puts the
    /// bootstraps too.
    static var executableDirectory: URL {
        let executable =
            FileManager.default.fileExists(atPath: "/proc/self/exe")
            ? URL(fileURLWithPath: "/proc/self/exe") : URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Warnings and errors of the service group, to standard error; its informational lines
    /// would repeat what the runner prints itself.
    static var logger: Logger {
        var logger = Logger(label: "local-runner") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }
}
