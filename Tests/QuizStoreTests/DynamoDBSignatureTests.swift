import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// Request signing, proven against a moto server that checks SigV4 signatures like DynamoDB.
///
/// moto checks signatures and IAM policies once `INITIAL_NO_AUTH_ACTION_COUNT` requests have
/// gone by unchecked ([moto IAM docs](https://docs.getmoto.org/en/latest/docs/iam.html)): the
/// first three create an IAM user, its policy and its access key, and every request after
/// them must carry a valid signature by a key moto issued.
@Suite("DynamoDB request signing")
struct DynamoDBSignatureTests {
    /// Creates a user allowed `dynamodb:*` and prints its access key id and secret: exactly
    /// three requests, the ones the server lets through unchecked.
    static let createAccessKey = #"""
        import boto3, json, os
        iam = boto3.client("iam", endpoint_url=os.environ["MOTO_ENDPOINT"], region_name="us-east-1")
        iam.create_user(UserName="quiz-tests")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="quiz-tests", PolicyName="dynamodb", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="quiz-tests")["AccessKey"]
        print(key["AccessKeyId"], key["SecretAccessKey"])
        """#

    @Test("signed requests with the right secret succeed; a wrong secret or unknown key is refused for good")
    func signatures() async throws {
        let server = try MotoServer(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"])
        defer { server.stop() }
        let created = try server.runPython(Self.createAccessKey)
        try #require(created.status == 0, "creating the access key failed: \(created.output)")
        let fields = created.output.split(separator: " ").map(String.init)
        try #require(fields.count == 2, "unexpected output: \(created.output)")
        let credentials = SigV4Signer.Credentials(accessKeyID: fields[0], secretAccessKey: fields[1])

        // The right key: every operation kind goes through, the endpoint's port in the signed Host.
        let prefix = MotoServer.uniquePrefix()
        let store = try DynamoDBTableStore(configuration: server.configuration(prefix: prefix, credentials: credentials))
        try await store.createTables([Tables.main])
        try await store.ping()
        let stored = item("p", "s", ["v": 1])
        try await store.put(stored, into: Tables.main, if: .itemNotExists)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == stored)
        #expect(try await store.query(Query(Tables.main, partition: "p")).items == [stored])

        // The right key id with a wrong secret: refused, not retryable, nothing written.
        var wrongSecret = credentials
        wrongSecret.secretAccessKey = String(credentials.secretAccessKey.reversed())
        let forged = try DynamoDBTableStore(configuration: server.configuration(prefix: prefix, credentials: wrongSecret))
        let refused = await tableError { try await forged.put(item("p", "s", ["v": 2]), into: Tables.main) }
        #expect(refused?.code == .validation)
        #expect(refused?.isRetryable == false)
        #expect(refused?.isBackendFault == false)
        #expect(await tableError { try await forged.ping() }?.code == .validation)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == stored)

        // A key id moto never issued.
        let stranger = try DynamoDBTableStore(configuration: server.configuration(
            prefix: prefix, credentials: .init(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: credentials.secretAccessKey)))
        let unknown = await tableError { _ = try await stranger.get(Key("p", "s"), from: Tables.main) }
        #expect(unknown?.code == .validation)
        #expect(unknown?.isRetryable == false)

        server.stop()
        #expect(!server.isRunning)
    }
}
