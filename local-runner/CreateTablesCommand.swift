import ArgumentParser
import Foundation
import QuizData
import QuizFunctions
import QuizStore
import QuizStoreDynamoDB
import QuizStoreSQLite

/// `local-runner create-tables [--store URL]`: creates the tables the functions need, as the
/// deployment template declares them, on the backend a store URL names.
///
/// On DynamoDB: the `questions`, `users` and `idempotency` tables (string keys `pk` + `sk`,
/// on-demand billing), TTL on the `ttl` attribute of `users` and `idempotency`, and
/// point-in-time recovery for `questions` and `users` — what `template.yaml` creates, for an
/// account or a local DynamoDB-compatible server the stack does not manage. Running it again
/// changes nothing. On SQLite, the file and its schema are created (the functions would create
/// them on first use too).
struct CreateTablesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-tables",
        abstract: "Create the tables, TTL settings and backups the functions need (idempotent).",
        discussion: """
            The store is --store, else QUIZ_STORE_URL, else sqlite:.quiz/quiz.db. For DynamoDB, \
            credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, \
            and table names are the store URL's prefix, then QUIZ_TABLE_PREFIX, then the table's name. \
            Example: local-runner create-tables --store 'dynamodb://eu-west-1?endpoint=http://127.0.0.1:8000&prefix=quiz-'
            """
    )

    @Option(help: "The store URL (sqlite:PATH or dynamodb://REGION[?endpoint=URL&prefix=NAME-]).")
    var store: String?

    func run() async throws {
        var variables = ProcessInfo.processInfo.environment
        if let store { variables["QUIZ_STORE_URL"] = store }
        let settings: QuizSettings
        do {
            settings = try QuizSettings(environment: variables)
        } catch {
            throw ValidationError("\(error)")
        }
        let tables = QuizTables(prefix: settings.tablePrefix)
        let url = settings.storeURL
        do {
            if url.hasPrefix("sqlite:") {
                _ = try SQLiteTableStore(url: url)
                print("SQLite store ready at \(url.dropFirst("sqlite:".count)): its one table holds every schema, nothing to create")
            } else if url.hasPrefix("dynamodb://") {
                let dynamoDB = try DynamoDBTableStore(url: url, environment: variables)
                try await dynamoDB.createTables(tables.all)
                for table in tables.withPointInTimeRecovery { try dynamoDB.enablePointInTimeRecovery(table) }
                for table in tables.all {
                    let features = [
                        table.ttlAttribute.map { "TTL on '\($0)'" },
                        tables.withPointInTimeRecovery.contains(table) ? "point-in-time recovery" : nil,
                    ].compactMap { $0 }
                    print("\(dynamoDB.configuration.tableName(of: table)): active" + (features.isEmpty ? "" : ", " + features.joined(separator: ", ")))
                }
            } else {
                throw ValidationError("the store URL must be sqlite:PATH or dynamodb://REGION[?endpoint=URL&prefix=NAME-], not '\(url)'")
            }
        } catch let error as TableError {
            printError("create-tables: \(error)")
            throw ExitCode(1)
        }
    }
}
