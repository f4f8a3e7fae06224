import Foundation
import QuizBootstrap
import QuizData
import QuizFunctions
import QuizObservability
import QuizStore
import Synchronization
import Testing

@testable import local_runner

/// template.yaml is what gets deployed: it must lint clean and agree with the code on every
/// route, function and table, so a route added to `FunctionName.routes` or a table changed in
/// `QuizTables` without the template fails here rather than after `sam deploy`.
///
/// Needs `cfn-lint` (pip package `cfn-lint`) and `python3`; a machine without them fails these
/// tests rather than skipping them, so CI cannot pass without actually checking.
@Suite("The SAM template")
struct TemplateTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let templatePath = packageRoot.appendingPathComponent("template.yaml").path

    @Test("cfn-lint reports no errors and no warnings")
    func lints() async throws {
        let result = try await Tool.run(["cfn-lint", Self.templatePath])
        #expect(result.status != 127, "cfn-lint is not installed: python3 -m pip install cfn-lint")
        #expect(result.status == 0, "cfn-lint exited \(result.status):\n\(result.stdout)\(result.stderr)")
    }

    @Test("the five functions are custom-runtime bootstraps packaged by `local-runner package`")
    func functions() async throws {
        let template = try await Self.load()
        let globals = template.dictionary("Globals").dictionary("Function")
        for function in FunctionName.allCases {
            let resource = template.dictionary("Resources").dictionary(Self.logicalId(function))
            #expect(resource.string("Type") == "AWS::Serverless::Function", "\(function)")
            let properties = resource.dictionary("Properties")
            #expect((properties.string("Runtime") ?? globals.string("Runtime")) == "provided.al2023", "\(function)")
            #expect((properties.string("Handler") ?? globals.string("Handler")) == "bootstrap", "\(function)")
            #expect(properties.string("CodeUri") == "dist/\(function).zip", "\(function)")
        }
        let storeURL = globals.dictionary("Environment").dictionary("Variables").dictionary("QUIZ_STORE_URL").string("Fn::Sub")
        #expect(storeURL == "dynamodb://${AWS::Region}?prefix=${TablePrefix}")
        #expect(globals.dictionary("LoggingConfig").string("LogFormat") == "JSON")
    }

    @Test("every route of FunctionName.routes is an HttpApi event of its function, behind the JWT authorizer")
    func routes() async throws {
        let template = try await Self.load()
        for function in FunctionName.allCases {
            let events = template.dictionary("Resources").dictionary(Self.logicalId(function)).dictionary("Properties")
                .dictionary("Events").values.compactMap { $0 as? [String: Any] }
            var routes: [String: [String: Any]] = [:]
            for event in events where event.string("Type") == "HttpApi" {
                let properties = event.dictionary("Properties")
                let key = "\(properties.string("Method") ?? "?") \(properties.string("Path") ?? "?")"
                #expect(routes[key] == nil, "\(function) declares \(key) twice")
                #expect(properties.dictionary("ApiId").string("Ref") == "QuizApi", "\(function) \(key)")
                routes[key] = properties
            }
            let expected = function.routes + (function == .session ? ["GET /health"] : [])
            #expect(Set(routes.keys) == Set(expected), "\(function)")
            for (key, properties) in routes {
                let authorizer = properties.dictionary("Auth").string("Authorizer")
                #expect(authorizer == (key == "GET /health" ? "NONE" : nil), "\(function) \(key): authorizer \(authorizer ?? "default")")
            }
        }
        let auth = template.dictionary("Resources").dictionary("QuizApi").dictionary("Properties").dictionary("Auth")
        let authorizerName = try #require(auth.string("DefaultAuthorizer"))
        let authorizer = auth.dictionary("Authorizers").dictionary(authorizerName)
        #expect(authorizer.string("IdentitySource") == "$request.header.Authorization")
        #expect(!authorizer.dictionary("JwtConfiguration").isEmpty)
    }

    @Test("no function's environment turns on the clock header (time travel is for tests and replays)")
    func noClockHeader() throws {
        let text = try String(contentsOfFile: Self.templatePath, encoding: .utf8)
        #expect(!text.contains("QUIZ_ALLOW_CLOCK_HEADER"))
        #expect(!text.contains("QUIZ_SCHEDULE_FUZZ"))
    }

    @Test("the maintenance function runs on a schedule")
    func schedule() async throws {
        let template = try await Self.load()
        let events = template.dictionary("Resources").dictionary("MaintenanceFunction").dictionary("Properties").dictionary("Events")
        let schedules = events.values.compactMap { $0 as? [String: Any] }.filter { $0.string("Type") == "Schedule" }
        #expect(schedules.count == 1)
        #expect(schedules.first?.dictionary("Properties").string("Schedule") == "rate(5 minutes)")
    }

    @Test("the tables are QuizTables: string pk + sk, on demand, TTL on `ttl` where the code expires items")
    func tables() async throws {
        let template = try await Self.load()
        let resources = template.dictionary("Resources").values.compactMap { $0 as? [String: Any] }
        let tables = resources.filter { $0.string("Type") == "AWS::DynamoDB::Table" }.map { $0.dictionary("Properties") }
        #expect(tables.count == QuizTables().all.count)
        for schema in QuizTables().all {
            let matching = tables.filter { $0.dictionary("TableName").string("Fn::Sub") == "${TablePrefix}\(schema.name)" }
            #expect(matching.count == 1, "table \(schema.name)")
            guard let table = matching.first else { continue }
            #expect(table.string("BillingMode") == "PAY_PER_REQUEST", "\(schema.name)")
            let keys = table.array("KeySchema").map { "\($0.string("AttributeName") ?? "?") \($0.string("KeyType") ?? "?")" }
            #expect(keys == ["\(schema.partitionKey) HASH"] + (schema.sortKey.map { ["\($0) RANGE"] } ?? []), "\(schema.name)")
            let types = table.array("AttributeDefinitions").map { "\($0.string("AttributeName") ?? "?") \($0.string("AttributeType") ?? "?")" }
            #expect(Set(types) == Set(keys.map { "\($0.split(separator: " ")[0]) S" }), "\(schema.name)")
            let ttl = table.dictionary("TimeToLiveSpecification")
            if let attribute = schema.ttlAttribute {
                #expect(ttl.string("AttributeName") == attribute, "\(schema.name)")
                #expect(ttl["Enabled"] as? Bool == true, "\(schema.name)")
            } else {
                #expect(ttl.isEmpty, "\(schema.name) has a TTL the code does not use")
            }
        }
        #expect(QuizTables().users.ttlAttribute == "ttl" && QuizTables().idempotency.ttlAttribute == "ttl")
    }

    @Test("the alarms watch a 5% error rate, a 200 ms p95, an open circuit breaker and DynamoDB throttling, on metrics the functions emit")
    func alarms() async throws {
        let template = try await Self.load()
        let resources = template.dictionary("Resources")
        let namespace = template.dictionary("Globals").dictionary("Function").dictionary("Environment").dictionary("Variables")
            .dictionary("POWERTOOLS_METRICS_NAMESPACE").string("Fn::Sub")
        #expect(namespace == "AdaptiveQuiz/${AWS::StackName}")

        // The EMF metrics the functions write: every metric an alarm reads in our namespace is one of them.
        let lines = Mutex<[String]>([])
        let logger = InvocationLogger(settings: LogSettings(), write: { line in lines.withLock { $0.append(line) } })
        logger.record(InvocationRecord(requestId: "r", function: "session", route: "GET /health", status: 200, durationMilliseconds: 1, coldStart: false))
        logger.recordCircuitBreaker(open: true, function: "session")
        let emitted = Set(try lines.withLock { $0 }.flatMap { line -> [String] in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let directives = object.dictionary("_aws")["CloudWatchMetrics"] as? [[String: Any]] ?? []
            return directives.flatMap { $0.array("Metrics").compactMap { $0.string("Name") } }
        })
        #expect(emitted.isSuperset(of: ["Latency", "CircuitBreakerOpen"]))

        func alarm(_ name: String) -> (properties: [String: Any], stats: [[String: Any]]) {
            let properties = resources.dictionary(name).dictionary("Properties")
            #expect(resources.dictionary(name).string("Type") == "AWS::CloudWatch::Alarm", "\(name)")
            #expect(properties.array("AlarmActions").first?.string("Ref") == "AlarmTopic", "\(name)")
            return (properties, properties.array("Metrics").map { $0.dictionary("MetricStat") }.filter { !$0.isEmpty })
        }
        func dimension(_ stat: [String: Any], _ name: String) -> [String: Any]? {
            stat.dictionary("Metric").array("Dimensions").first { $0.string("Name") == name }
        }

        let errors = alarm("ErrorRateAlarm")
        #expect(errors.properties["Threshold"] as? Int == 5 && errors.properties.string("ComparisonOperator") == "GreaterThanThreshold")
        #expect(errors.properties.array("Metrics").contains { $0.string("Expression")?.contains("100 * errors / requests") == true })
        #expect(Set(errors.stats.compactMap { $0.dictionary("Metric").string("MetricName") }) == ["Count", "5xx"])

        let latency = alarm("LatencyP95Alarm")
        #expect(latency.properties["Threshold"] as? Int == 200 && latency.properties.string("ComparisonOperator") == "GreaterThanThreshold")
        #expect(latency.stats.allSatisfy { $0.string("Stat") == "p95" && $0.dictionary("Metric").string("MetricName") == "Latency" })
        let httpFunctions = FunctionName.allCases.filter { !$0.routes.isEmpty }.map(\.rawValue)
        #expect(Set(latency.stats.compactMap { dimension($0, "function")?.string("Value") }) == Set(httpFunctions))

        let breaker = alarm("CircuitBreakerOpenAlarm")
        #expect(breaker.properties["Threshold"] as? Int == 1 && breaker.properties.string("ComparisonOperator") == "GreaterThanOrEqualToThreshold")
        #expect(breaker.stats.allSatisfy { $0.dictionary("Metric").string("MetricName") == "CircuitBreakerOpen" && $0.string("Stat") == "Maximum" })
        #expect(Set(breaker.stats.compactMap { dimension($0, "function")?.string("Value") }) == Set(FunctionName.allCases.map(\.rawValue)))

        for stat in latency.stats + breaker.stats {
            #expect(stat.dictionary("Metric").dictionary("Namespace").string("Fn::Sub") == namespace)
            #expect(emitted.contains(stat.dictionary("Metric").string("MetricName") ?? ""))
        }

        let throttling = alarm("DynamoDBThrottlingAlarm")
        #expect(Set(throttling.stats.compactMap { $0.dictionary("Metric").string("MetricName") }) == ["ReadThrottleEvents", "WriteThrottleEvents"])
        #expect(Set(throttling.stats.compactMap { dimension($0, "TableName")?.dictionary("Value").string("Ref") })
            == ["QuestionsTable", "UsersTable", "IdempotencyTable"])

        #expect(resources.dictionary("Dashboard").string("Type") == "AWS::CloudWatch::Dashboard")
    }

    // MARK: - Reading the template

    /// The function's logical id, as `--env-vars` files name it too: `SessionFunction`, ….
    static func logicalId(_ function: FunctionName) -> String {
        RunnerEnvironment.functionLogicalId(function)
    }

    /// template.yaml as JSON, read by cfn-lint's own decoder: it knows CloudFormation's short
    /// forms (`!Sub x` becomes `{"Fn::Sub": "x"}`), which a plain YAML loader rejects. Decoded
    /// once for all tests: starting Python with cfn-lint takes seconds.
    static let decoded = Task {
        let script = """
            import json, sys
            from cfnlint.decode import decode
            template, problems = decode(sys.argv[1])
            if problems:
                sys.exit("\\n".join(str(problem) for problem in problems))
            json.dump(template, sys.stdout)
            """
        return try await Tool.run(["python3", "-c", script, templatePath])
    }

    static func load() async throws -> [String: Any] {
        let result = try await decoded.value
        guard result.status == 0 else {
            Issue.record("cannot read template.yaml (python3 with cfn-lint installed?): \(result.stderr)")
            throw CancellationError()
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The dictionary under `key`; empty when absent, so lookups chain and the `#expect` names the gap.
    func dictionary(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    /// The string under `key`.
    func string(_ key: String) -> String? { self[key] as? String }
    /// The list of dictionaries under `key`.
    func array(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}

/// A command line tool run to completion.
enum Tool {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` through `env`, so PATH finds the tool (a missing one exits 127).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Drain both pipes at once: a tool blocked on a full stderr pipe would never close stdout.
        let errorData = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: await errorData.value, as: UTF8.self))
    }
}
