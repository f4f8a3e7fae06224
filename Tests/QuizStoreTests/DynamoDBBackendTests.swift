import Glibc
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// What only the DynamoDB backend has: its URL, its transport failures and its tables.
@Suite("DynamoDB backend")
struct DynamoDBBackendTests {
    static let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"]

    @Test("a dynamodb:// URL names the region, endpoint and prefix; credentials come from the environment")
    func urls() throws {
        let plain = try DynamoDBConfiguration(url: "dynamodb://eu-west-1", environment: Self.environment)
        #expect(plain.region == "eu-west-1")
        #expect(plain.endpoint == "https://dynamodb.eu-west-1.amazonaws.com")
        #expect(plain.tablePrefix == "")
        #expect(plain.credentials == .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token"))

        let local = try DynamoDBConfiguration(
            url: "dynamodb://us-east-1/?endpoint=http%3A%2F%2F127.0.0.1%3A8000&prefix=quiz-dev-", environment: Self.environment)
        #expect(local.region == "us-east-1")
        #expect(local.endpoint == "http://127.0.0.1:8000")
        #expect(local.tableName(of: Tables.main) == "quiz-dev-main")

        let fromEnvironment = try DynamoDBConfiguration(
            url: "dynamodb://?endpoint=http://localhost:4566", environment: Self.environment.merging(["AWS_REGION": "ap-south-1"]) { $1 })
        #expect(fromEnvironment.region == "ap-south-1")
        #expect(fromEnvironment.endpoint == "http://localhost:4566")
    }

    static let refusals: [(url: String, environment: [String: String])] = [
        ("sqlite:quiz.db", environment), ("dynamodb://", environment), ("dynamodb://EU_WEST", environment),
        ("dynamodb://eu-west-1?prefx=a-", environment), ("dynamodb://eu-west-1?endpoint=ftp://host", environment),
        ("dynamodb://eu-west-1?prefix=%zz", environment), ("dynamodb://eu-west-1", ["AWS_ACCESS_KEY_ID": "only-the-id"]),
    ]

    @Test("URLs and environments that cannot make a store are refused", arguments: refusals)
    func badURLs(url: String, environment: [String: String]) {
        #expect(throws: TableError.validation("")) { try DynamoDBConfiguration(url: url, environment: environment) }
    }

    @Test("an endpoint with user information is refused before anything is sent")
    func endpointWithUser() {
        let configuration = DynamoDBConfiguration(
            region: "eu-west-1", credentials: MotoServer.dummyCredentials, endpoint: "https://user:pass@example.com")
        #expect(throws: TableError.validation("")) { try DynamoDBTableStore(configuration: configuration) }
    }

    @Test("a refused connection is a connection failure, a silent server a timeout; both retryable")
    func transportFailures() async throws {
        let refusing = try HeldLoopbackPort(listening: false)
        var settings = DynamoDBConfiguration(
            region: "eu-west-1", credentials: MotoServer.dummyCredentials, endpoint: "http://127.0.0.1:\(refusing.port)")
        let refused = await tableError { try await DynamoDBTableStore(configuration: settings).ping() }
        #expect(refused?.code == .connectionFailure)
        #expect(refused?.isRetryable == true)

        // Listening but never accepting: the kernel completes the handshake, nobody answers.
        let silent = try HeldLoopbackPort(listening: true)
        settings.endpoint = "http://127.0.0.1:\(silent.port)"
        settings.requestTimeout = .milliseconds(300)
        let timedOut = await tableError { _ = try await DynamoDBTableStore(configuration: settings).get(Key("p", "s"), from: Tables.main) }
        #expect(timedOut?.code == .timeout)
        #expect(timedOut?.isRetryable == true)
    }

    @Test("a table that does not exist is a validation error naming it")
    func missingTable() async throws {
        let server = try MotoServer.shared()
        let configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        let store = try DynamoDBTableStore(configuration: configuration)
        let error = await tableError { _ = try await store.get(Key("p", "s"), from: Tables.main) }
        #expect(error?.code == .validation)
        #expect(error?.message == "table '\(configuration.tableName(of: Tables.main))' does not exist (ResourceNotFoundException)")
        #expect(error?.isRetryable == false)
    }

    @Test("creating tables twice is harmless, and TTL is on for tables with a TTL attribute")
    func createTablesTwice() async throws {
        let server = try MotoServer.shared()
        let configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        let store = try DynamoDBTableStore(configuration: configuration)
        try await store.createTables([Tables.main, Tables.simple])
        try await store.put(item("p", "s"), into: Tables.main)
        try await store.createTables([Tables.main, Tables.simple])
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == item("p", "s"))
        let ttl = try server.runPython(
            #"""
            import boto3, json, os, sys
            client = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_ENDPOINT"])
            for name in sys.argv[1:]:
                print(json.dumps(client.describe_time_to_live(TableName=name)["TimeToLiveDescription"], sort_keys=True))
            """#, [configuration.tableName(of: Tables.main), configuration.tableName(of: Tables.simple)])
        #expect(ttl.output == #"{"AttributeName": "expiresAt", "TimeToLiveStatus": "ENABLED"}"# + "\n" + #"{"TimeToLiveStatus": "DISABLED"}"#)
    }
}
