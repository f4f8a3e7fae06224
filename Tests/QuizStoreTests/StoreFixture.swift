import Foundation
import QuizStore
import QuizStoreDynamoDB
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// One backend under test: how to open a fresh, empty store on it, and how to open the same store again.
struct Backend: Sendable, CustomTestStringConvertible {
    let name: String
    let open: @Sendable () async throws -> BackendInstance

    var testDescription: String { name }

    /// Every backend the conformance suite runs against.
    static let all: [Backend] = [.sqlite, .dynamoDB]

    static let sqlite = Backend(name: "SQLite") {
        let directory = TemporaryDirectory()
        let time = TestClock()
        var settings = SQLiteTableStore.Configuration()
        settings.currentTime = { time.seconds }
        // Small pages, so paging is exercised by every query test.
        settings.defaultPageSize = 7
        let configuration = settings
        let path = "\(directory.path)/nested/dir/quiz.db"
        let reopen: @Sendable () throws -> any TableStore = { try SQLiteTableStore(path: path, configuration: configuration) }
        return BackendInstance(store: try reopen(), time: time, reopen: reopen, resources: directory)
    }

    /// DynamoDB's JSON protocol against the moto server the test process shares, with tables
    /// of the test's own under a random prefix: a fresh, empty store per test.
    static let dynamoDB = Backend(name: "DynamoDB (moto)") {
        let server = try MotoServer.shared()
        let time = TestClock()
        var settings = server.configuration(prefix: MotoServer.uniquePrefix())
        settings.currentTime = { time.seconds }
        // Small pages, so paging is exercised by every query test, as on SQLite.
        settings.defaultPageSize = 7
        let configuration = settings
        let store = try DynamoDBTableStore(configuration: configuration)
        try await store.createTables([Tables.main, Tables.other, Tables.simple])
        let reopen: @Sendable () throws -> any TableStore = { try DynamoDBTableStore(configuration: configuration) }
        return BackendInstance(store: store, time: time, reopen: reopen, resources: server)
    }
}

/// An open store on one backend, with its clock and what keeps its files alive.
struct BackendInstance: Sendable {
    let store: any TableStore
    let time: TestClock
    let reopen: @Sendable () throws -> any TableStore
    let resources: any Sendable
}

/// The tables the suite uses.
enum Tables {
    static let main = TableSchema(name: "main", ttlAttribute: "expiresAt")
    static let other = TableSchema(name: "other", ttlAttribute: "expiresAt")
    static let simple = TableSchema(name: "simple", partitionKey: "id", sortKey: nil)
}

/// An item of the main table.
func item(_ partition: String, _ sort: String, _ attributes: [String: AttributeValue] = [:]) -> Item {
    var item = Item(attributes)
    item["pk"] = .string(partition)
    item["sk"] = .string(sort)
    return item
}

/// The error a throwing call produced, for exact checks on its code and payload.
func tableError(_ body: () async throws -> Void) async -> TableError? {
    do {
        try await body()
        return nil
    } catch let error as TableError {
        return error
    } catch {
        Issue.record("expected a TableError, got \(error)")
        return nil
    }
}
