/// The table backends the function, data and chaos tests run on.
public enum StoreBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A SQLite file in a temporary folder: the embedded default.
    case sqlite
    /// Tables of the test's own on a DynamoDB-compatible server the test starts (moto).
    case dynamoDB = "dynamodb"

    /// Every backend.
    public static let all = allCases

    /// The backend named `name` as a command line spells it (`sqlite`, `dynamodb`), ignoring case.
    public init?(named name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// How a test's name shows the backend.
    public var description: String { self == .sqlite ? "SQLite" : "DynamoDB (moto)" }
}
