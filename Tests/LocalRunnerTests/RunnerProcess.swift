import Foundation
import QuizHTTP
import QuizTestSupport
import Testing

/// The `local-runner` executable built beside this test bundle, run as a real OS process.
enum RunnerProcess {
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("local-runner")

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `local-runner` with these arguments; the returned handle waits for it.
    static func start(_ arguments: [String], environment: [String: String], stdin: Data? = nil) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        return Running(process: process, output: output, errors: errors)
    }

    struct Running {
        let process: Process
        let output: Pipe
        let errors: Pipe

        func wait() -> Output {
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Output(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
        }
    }

    /// `local-runner invoke FUNCTION --event -` with the request as an HTTP API event; the response.
    static func invoke(_ function: String, _ request: HTTPRequestEvent, databasePath: String) throws -> HTTPResponseEvent {
        try start(["invoke", function, "--event", "-"], environment: ["QUIZ_STORE_URL": "sqlite:\(databasePath)"], stdin: event(request))
            .response()
    }

    static func event(_ request: HTTPRequestEvent) throws -> Data {
        try request.httpAPIEvent(time: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// A request as API Gateway's JWT authorizer hands it over.
    static func request(_ method: HTTPMethod, _ path: String, user: String, groups: [String] = [], json: Any? = nil) -> HTTPRequestEvent {
        var claims = ["sub": user]
        if !groups.isEmpty { claims["cognito:groups"] = "[\(groups.joined(separator: " "))]" }
        let body = json.map { try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? Data()
        return HTTPRequestEvent(
            method: method, path: path, headers: json == nil ? [:] : ["content-type": "application/json"], body: body,
            requestId: UUID().uuidString.lowercased(), claims: claims)
    }
}

extension RunnerProcess.Running {
    /// Waits and decodes the printed response.
    func response() throws -> HTTPResponseEvent {
        let output = wait()
        guard output.status == 0 else {
            Issue.record("local-runner exited \(output.status): \(output.stderr)")
            throw CancellationError()
        }
        return try JSONDecoder().decode(HTTPResponseEvent.self, from: Data(output.stdout.utf8))
    }
}

extension HTTPResponseEvent {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// The runner tests' folders are the suite's temporary folders (QuizTestSupport).
typealias TemporaryFolder = TemporaryDirectory

/// A small bank: questions q0…q(n-1), choices a–d, `b` correct.
func sampleBank(_ count: Int) -> [[String: Any]] {
    (0..<count).map { index in
        [
            "id": "q\(index)", "category": index % 2 == 0 ? "even" : "odd", "text": "Question \(index)?",
            "answers": ["a", "b", "c", "d"].map { ["id": $0, "text": "choice \($0)"] }, "correctAnswers": ["b"],
        ]
    }
}
