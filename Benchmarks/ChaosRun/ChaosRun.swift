import Foundation
import ProcessTools
import QuizData
import QuizEngine
import QuizStore
import QuizStoreDynamoDB
import QuizStoreSQLite
import QuizTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The chaos run (docs/idempotency.md, "The chaos run"): learners answering at once through
/// `local-runner serve` while a share of the store calls fail — dropped after the store acted,
/// dropped before, 500, throttled, stalled past the client's timeout — each client retrying with
/// the same `Idempotency-Key` as a careful client would. Then the store is read back and every
/// rule checked: what a client saw accepted is in the store exactly once, nothing it saw refused
/// is, every session's counters equal the answers it holds, no key stays blocked past its
/// holder's deadline, no worker died. The test and the benchmark run this same code.
public enum ChaosRun {
    static let bankId = "chaos"
    static let bankSize = 40
    static let functions = ["session", "quiz", "answer", "progress", "maintenance"]

    /// Runs `configuration` with the executables of `executables` (`local-runner`, the
    /// bootstraps, `ChaosBootstrap`) in `folder`, and returns what it measured and found.
    public static func run(_ configuration: ChaosConfiguration, executables: URL, folder: String) async throws -> ChaosReport {
        let runner = executables.appendingPathComponent("local-runner").path
        var report = ChaosReport(configuration: configuration)
        var environment: [String: String] = [:]
        var arguments = ["--workers", String(configuration.workers), "--timeout", String(configuration.timeoutSeconds)]
        let store: any TableStore
        let tables = QuizTables()
        var moto: MotoServer?
        var proxy: FaultProxy?
        let callLog = "\(folder)/store-calls.log"
        defer {
            proxy?.stop()
            moto?.stop()
        }
        switch configuration.backend {
        case .sqlite:
            let database = "\(folder)/quiz.db"
            environment["QUIZ_STORE_URL"] = "sqlite:\(database)"
            let bootstraps = "\(folder)/bootstraps"
            try FileManager.default.createDirectory(atPath: bootstraps, withIntermediateDirectories: true)
            for function in functions {
                try FileManager.default.createSymbolicLink(
                    atPath: "\(bootstraps)/\(function)-function", withDestinationPath: executables.appendingPathComponent("ChaosBootstrap").path)
            }
            let parameters: [String: Any] = [
                "QUIZ_CHAOS_RATE": configuration.faultRate, "QUIZ_CHAOS_SEED": configuration.seed,
                "QUIZ_CHAOS_FAULTS": ChaosConfiguration.storeFaults.joined(separator: ","),
                "QUIZ_CHAOS_DELAY_MS": Int(configuration.stall.components.seconds * 1000 + configuration.stall.components.attoseconds / 1_000_000_000_000_000),
                "QUIZ_CHAOS_LOG": callLog,
            ]
            let variables = "\(folder)/chaos-env.json"
            try JSONSerialization.data(withJSONObject: ["Parameters": parameters]).write(to: URL(fileURLWithPath: variables))
            arguments += ["--bootstrap-dir", bootstraps, "--env-vars", variables]
            store = try SQLiteTableStore(path: database)
        case .dynamoDB:
            let server = try MotoServer()
            moto = server
            let faults = try FaultProxy(upstream: server)
            proxy = faults
            let prefix = MotoServer.uniquePrefix()
            let direct = try DynamoDBTableStore(configuration: server.configuration(prefix: prefix))
            // The store URL's prefix names the tables; the functions' own table names stay plain.
            try await direct.createTables(tables.all)
            store = direct
            let timeout = Double(configuration.storeTimeout.components.seconds) + Double(configuration.storeTimeout.components.attoseconds) / 1e18
            environment["QUIZ_STORE_URL"] = "dynamodb://\(MotoServer.region)?endpoint=\(faults.endpoint)&prefix=\(prefix)&timeout=\(timeout)"
            environment["AWS_ACCESS_KEY_ID"] = MotoServer.dummyCredentials.accessKeyID
            environment["AWS_SECRET_ACCESS_KEY"] = MotoServer.dummyCredentials.secretAccessKey
            // Each kind of fault takes an even share of the requests the rules before it passed over.
            try faults.seed(configuration.seed)
            let share = configuration.faultRate / Double(ChaosConfiguration.proxyFaults.count)
            for (index, name) in ChaosConfiguration.proxyFaults.enumerated() {
                guard let fault = FaultProxy.Fault(rawValue: name) else { continue }
                try faults.inject(fault, count: -1, delay: configuration.stall, probability: share / (1 - Double(index) * share))
            }
        }
        let serve = try ChaosServe(runner: runner, folder: folder, arguments: arguments, environment: environment)
        defer { serve.stop() }
        let tally = ChaosClient.Tally()

        // The bank, imported under the same faults, by an author retrying with one key.
        let author = ChaosClient(
            port: serve.port, token: try ChaosServe.token(runner: runner, folder: folder, user: "chaos-author", groups: ["authors"]),
            attempts: configuration.clientAttempts * 2, tally: tally)
        var random = SeededRandomGenerator(seed: configuration.seed)
        let bank = (0..<bankSize).map { index -> [String: Any] in
            [
                "id": "q\(index)", "category": "c\(index % 4)", "text": "Question \(index)?",
                "answers": ["a", "b", "c", "d"].map { ["id": $0, "text": "choice \($0)"] }, "correctAnswers": ["b"],
            ]
        }
        let imported = await author.send("POST", "/banks/\(bankId)/questions", json: bank, key: "chaos-import", random: &random)
        guard imported?.status == 201 else {
            throw ToolFailure("the chaos bank could not be imported: \(imported?.status ?? -1) \(String(decoding: imported?.body ?? Data(), as: UTF8.self))")
        }

        // The learners, all at once, while the workers are watched.
        let learners = try (0..<configuration.learners).map { index in
            let user = "chaos-learner-\(index)"
            return ChaosLearner(
                user: user,
                client: ChaosClient(port: serve.port, token: try ChaosServe.token(runner: runner, folder: folder, user: user), attempts: configuration.clientAttempts, tally: tally),
                configuration: configuration, seed: configuration.seed &+ UInt64(index) &* 7919)
        }
        let started = ContinuousClock.now
        let watching = Task {
            while !Task.isCancelled {
                serve.noteWorkers()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        let outcomes = await withTaskGroup(of: ChaosLearner.Outcome.self) { group in
            for learner in learners { group.addTask { await learner.run() } }
            var outcomes: [ChaosLearner.Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.user < $1.user }
        }
        watching.cancel()
        let elapsed = ContinuousClock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        // What the clients saw.
        for outcome in outcomes {
            report.answersAttempted += outcome.attempted
            report.answersAccepted += outcome.accepted
            report.answersAbandoned += outcome.abandoned
            for code in outcome.refused { report.answersRefused[code, default: 0] += 1 }
        }
        let counted = tally.snapshot
        (report.requests, report.retries, report.statuses) = (counted.requests, counted.retries, counted.statuses)

        // What the store was asked, and what failed.
        if let proxy {
            let seen = try proxy.requests()
            report.storeCalls = seen.count
            for request in seen { if let fault = request.fault { report.faultsInjected[fault.rawValue, default: 0] += 1 } }
            try proxy.reset()
        } else {
            let lines = ((try? String(contentsOfFile: callLog, encoding: .utf8)) ?? "").split(separator: "\n")
            report.storeCalls = lines.count
            for line in lines where !line.hasPrefix("- ") { report.faultsInjected[String(line.split(separator: " ").first ?? ""), default: 0] += 1 }
        }

        // What the store holds.
        let verification = ChaosVerification(store: store, tables: tables)
        try await verification.check(outcomes, into: &report)
        try await verification.checkKeys(outcomes, learners: learners, timeoutSeconds: configuration.timeoutSeconds, into: &report)
        let lost = serve.workersLost()
        report.workersLost = lost.count
        if lost.count > 0 { report.violations.append("workers lost: \(lost.evidence.prefix(5).joined(separator: "; "))") }
        if report.acceptedShare < 0.95 {
            report.violations.append(String(format: "only %.1f%% of the answers attempted were accepted", report.acceptedShare * 100))
        }
        return report
    }
}
