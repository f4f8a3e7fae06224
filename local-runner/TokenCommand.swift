import ArgumentParser

/// `local-runner token USER [--group authors]`: a local JWT for `Authorization: Bearer`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a local JWT (HS256) for a user, to send as `Authorization: Bearer <token>` to `local-runner serve`."
    )

    @Argument(help: "The user id: the token's `sub`.")
    var user: String

    @Option(name: .customLong("group"), help: "A group the user belongs to (repeatable), e.g. authors.")
    var groups: [String] = []

    @Option(help: "How long the token is valid, in seconds.")
    var lifetime: Int = 86_400

    func validate() throws {
        guard !user.isEmpty else { throw ValidationError("the user id must not be empty") }
        guard lifetime > 0 else { throw ValidationError("--lifetime must be positive") }
    }

    func run() async throws {
        let tokens = try await LocalTokens.load()
        print(try await tokens.mint(user: user, groups: groups, lifetime: Double(lifetime)))
    }
}
