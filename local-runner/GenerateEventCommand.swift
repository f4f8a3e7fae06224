import ArgumentParser
import Foundation
import QuizBootstrap
import QuizHTTP

/// `local-runner generate-event FUNCTION ROUTE`: a sample API Gateway event, ready for `invoke`.
struct GenerateEventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-event",
        abstract: "Print a sample API Gateway HTTP API (2.0) event for one route of a function.",
        discussion: """
            ROUTE is the route key, e.g. "POST /sessions/{sessionId}/answer"; path parameters are filled from \
            --param name=value (or "example"). Maintenance takes a scheduled event instead: ROUTE "schedule".
            """
    )

    @Argument(help: "The function.")
    var function: FunctionName

    @Argument(help: "The route key, e.g. \"POST /sessions\".")
    var route: String

    @Option(help: "The caller's user id (the JWT `sub`); empty for an unauthenticated event.")
    var user = "learner-1"

    @Option(name: .customLong("group"), help: "A group of the caller (repeatable).")
    var groups: [String] = []

    @Option(name: .customLong("param"), help: "A path parameter, name=value (repeatable).")
    var parameters: [String] = []

    @Option(help: "The JSON body.")
    var body: String?

    func run() throws {
        if function == .maintenance {
            print(#"{"version":"0","id":"00000000-0000-0000-0000-000000000000","detail-type":"Scheduled Event","source":"aws.events","time":"2026-01-01T00:00:00Z","resources":[],"detail":{}}"#)
            return
        }
        guard function.routes.contains(route) || route == "GET /health" else {
            throw ValidationError("\(function) serves \((function.routes + ["GET /health"]).joined(separator: ", ")); not '\(route)'")
        }
        let parts = route.split(separator: " ", maxSplits: 1)
        var values: [String: String] = [:]
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw ValidationError("--param takes name=value, not '\(parameter)'") }
            values[String(pair[0])] = String(pair[1])
        }
        var pathParameters: [String: String] = [:]
        let path = parts[1].split(separator: "/").map { segment -> String in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return String(segment) }
            let name = String(segment.dropFirst().dropLast())
            let value = values[name] ?? "example"
            pathParameters[name] = value
            return value
        }
        var claims: [String: String] = [:]
        if !user.isEmpty { claims["sub"] = user }
        if !groups.isEmpty { claims["cognito:groups"] = "[\(groups.joined(separator: " "))]" }
        var headers: HTTPHeaders = ["host": "localhost:3000", "user-agent": "local-runner"]
        let sample = body ?? (parts[0] == "POST" ? Self.sampleBody(route: route) : nil)
        if sample != nil { headers["content-type"] = "application/json" }
        let request = HTTPRequestEvent(
            method: HTTPMethod(rawValue: String(parts[0])), path: "/" + path.joined(separator: "/"), pathParameters: pathParameters,
            headers: headers, body: Data((sample ?? "").utf8), requestId: UUID().uuidString.lowercased(), claims: claims)
        let event = try request.httpAPIEvent(routeKey: route, time: Int64(Date().timeIntervalSince1970 * 1000))
        print(String(decoding: event, as: UTF8.self))
    }

    static func sampleBody(route: String) -> String {
        switch route {
        case "POST /sessions": #"{"bankId":"bank-1","questionCount":10,"timeLimitSeconds":1800}"#
        case "POST /sessions/{sessionId}/answer": #"{"questionId":"q-1","selectedAnswers":["a"]}"#
        case "POST /banks/{bankId}/questions":
            #"[{"id":"q-1","category":"algebra","text":"2 + 2 = ?","answers":[{"id":"a","text":"3"},{"id":"b","text":"4"}],"correctAnswers":["b"]}]"#
        default: "{}"
        }
    }
}
