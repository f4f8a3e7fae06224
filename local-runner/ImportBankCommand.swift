import ArgumentParser
import Foundation
import QuizBootstrap
import QuizFunctions
import QuizHTTP
import QuizObservability

/// `local-runner import-bank BANK FILE`: loads a question bank file through the quiz function's
/// own import route, as an author would over HTTP (same validation, same errors).
struct ImportBankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-bank",
        abstract: "Import a question bank file (JSON array, JSON Lines or CSV) into the store.",
        discussion: "The format follows the file extension (.json, .jsonl/.ndjson, .csv) or, failing that, the content."
    )

    @Argument(help: "The bank id.")
    var bankId: String

    @Argument(help: "The file to import.")
    var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let contentType: String? =
            switch URL(fileURLWithPath: file).pathExtension.lowercased() {
            case "json": "application/json"
            case "jsonl", "ndjson": "application/x-ndjson"
            case "csv": "text/csv"
            default: nil
            }
        var headers: HTTPHeaders = [:]
        if let contentType { headers["content-type"] = contentType }
        let environment = try await QuizBootstrap.environment(
            from: try RunnerEnvironment.variables(for: .quiz, envVarsFile: nil), logWriter: InvocationLogger.standardError)
        let request = HTTPRequestEvent(
            method: .post, path: "/banks/\(bankId)/questions", pathParameters: ["bankId": bankId], headers: headers, body: data,
            requestId: UUID().uuidString.lowercased(),
            claims: ["sub": "local-runner", "cognito:groups": "[\(environment.settings.authorGroup)]"])
        let response = await QuizFunction(environment: environment).handle(request, context: InvocationContext(requestId: request.requestId))
        print(response.body)
        if response.statusCode >= 300 { throw ExitCode(1) }
    }
}
