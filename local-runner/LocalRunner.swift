import ArgumentParser

/// `local-runner`: run the product's functions on this machine, exactly as they run deployed.
@main
struct LocalRunner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-runner",
        abstract: "Run the AdaptiveQuiz functions locally: invoke one event, serve the HTTP API, mint tokens, package bootstraps.",
        discussion: """
            The functions use the table backend named by QUIZ_STORE_URL (default sqlite:.quiz/quiz.db). \
            Local JWTs are HS256, signed with QUIZ_JWT_SECRET or a secret kept in .quiz/jwt-secret.
            """,
        subcommands: [
            InvokeCommand.self, GenerateEventCommand.self, TokenCommand.self, ImportBankCommand.self, CreateTablesCommand.self,
            ServeCommand.self,
            PackageCommand.self,
        ]
    )
}
