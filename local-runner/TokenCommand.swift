import ArgumentParser

/// `local-runner token USER [--group authors]`: a local JWT for `Authorization: Bearer`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a local JWT (HS256) for a user, to send as `Authorization: Bearer <token>` to `local-runner serve`.",
        discussion: """
            The user id becomes the token's `sub` exactly as given (spaces count: " a" and "a" are two users); it must be \
            1 to 256 bytes without control characters. Groups go into `cognito:groups` as a JSON array; a group name has \
            no spaces, as in Cognito.
            """
    )

    @Argument(help: "The user id: the token's `sub`.")
    var user: String

    @Option(name: .customLong("group"), help: "A group the user belongs to (repeatable), e.g. authors.")
    var groups: [String] = []

    @Option(help: "How long the token is valid, in seconds: 1 to 31536000 (a year).")
    var lifetime: Int = 86_400

    func validate() throws {
        try LocalTokens.validate(user: user, groups: groups, lifetime: lifetime)
    }

    func run() async throws {
        let tokens = try await LocalTokens.load()
        print(try await tokens.mint(user: user, groups: groups, lifetime: lifetime))
    }
}
