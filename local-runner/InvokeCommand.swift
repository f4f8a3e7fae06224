import ArgumentParser
import Foundation
import QuizBootstrap
import QuizFunctions
import QuizObservability

/// `local-runner invoke FUNCTION --event FILE|-`: one event through one function, response to stdout.
struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Invoke a function once with a JSON event and print its response.",
        discussion: """
            Like `sam local invoke`: the event is an API Gateway HTTP API (2.0) or REST (1.0) proxy event; maintenance takes any JSON. \
            The function sees this process's environment, the --env-file's variables over it, and the --env-vars file's over those.
            """
    )

    @Argument(help: "The function: \(FunctionName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var function: FunctionName

    @Option(name: [.short, .long], help: "The event file, or - for standard input.")
    var event: String

    @OptionGroup(title: "Environment") var environmentFiles: EnvironmentOptions

    func run() async throws {
        let bytes: Data
        if event == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let data = FileManager.default.contents(atPath: event) else {
                throw ValidationError("cannot read event file \(event)")
            }
            bytes = data
        }
        guard (try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])) != nil else {
            throw ValidationError("the event is not valid JSON")
        }
        let variables = try environmentFiles.variables(for: function)
        let environment: QuizEnvironment
        do {
            environment = try await QuizBootstrap.environment(from: variables, logWriter: InvocationLogger.standardError)
        } catch {
            printError("local-runner: \(function) failed to start: \(error)")
            throw ExitCode(3)
        }
        let handler = FunctionHandler(function, environment: environment)
        let response = await handler.handle(bytes, context: InvocationContext(requestId: UUID().uuidString.lowercased()))
        FileHandle.standardOutput.write(response + Data("\n".utf8))
    }
}
