import Foundation
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// `local-runner create-tables` against moto: it creates what template.yaml declares — keys,
/// billing, TTL, point-in-time recovery — table by table, and running it again changes nothing.
@Suite("local-runner create-tables")
struct CreateTablesTests {
    /// What DynamoDB says about the tables under a prefix, the way template.yaml spells them.
    static let describe = #"""
        import json, os, sys, boto3
        client = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_ENDPOINT"])
        prefix = sys.argv[1]
        tables = {}
        # ListTables answers 100 names a page, and the suite's other tests make many tables.
        names = [name for page in client.get_paginator("list_tables").paginate() for name in page["TableNames"]]
        for name in names:
            if not name.startswith(prefix):
                continue
            table = client.describe_table(TableName=name)["Table"]
            ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            tables[name[len(prefix):]] = {
                "KeySchema": table["KeySchema"],
                "AttributeDefinitions": sorted(table["AttributeDefinitions"], key=lambda d: d["AttributeName"]),
                "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode"),
                "TimeToLive": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
                "PointInTimeRecovery": backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED",
            }
        print(json.dumps(tables, sort_keys=True))
        """#

    @Test("creates the template's tables with their keys, TTL and backups; a second run changes nothing")
    func matchesTemplate() async throws {
        let server = try MotoServer.shared()
        let prefix = MotoServer.uniquePrefix()
        let storeURL = "dynamodb://\(MotoServer.region)?endpoint=\(server.endpoint)&prefix=\(prefix)"
        let environment = [
            "AWS_ACCESS_KEY_ID": MotoServer.dummyCredentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": MotoServer.dummyCredentials.secretAccessKey,
        ]

        let first = try RunnerProcess.start(["create-tables", "--store", storeURL], environment: environment).wait()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout.split(separator: "\n") == [
                "\(prefix)questions: active, point-in-time recovery",
                "\(prefix)users: active, TTL on 'ttl', point-in-time recovery",
                "\(prefix)idempotency: active, TTL on 'ttl'",
            ])
        let again = try RunnerProcess.start(["create-tables", "--store", storeURL], environment: environment).wait()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == first.stdout)

        let described = try server.runPython(Self.describe, [prefix])
        try #require(described.status == 0, "\(described.output)")
        let actual = try #require(try JSONSerialization.jsonObject(with: Data(described.output.utf8)) as? [String: [String: Any]])

        // The template's tables, named "${TablePrefix}<name>".
        let template = try await TemplateTests.load()
        let declared = template.dictionary("Resources").values.compactMap { $0 as? [String: Any] }
            .filter { $0.string("Type") == "AWS::DynamoDB::Table" }.map { $0.dictionary("Properties") }
        #expect(declared.count == 3)
        #expect(Set(actual.keys) == Set(declared.compactMap { $0.dictionary("TableName").string("Fn::Sub")?.replacingOccurrences(of: "${TablePrefix}", with: "") }))
        for properties in declared {
            let name = properties.dictionary("TableName").string("Fn::Sub")?.replacingOccurrences(of: "${TablePrefix}", with: "") ?? "?"
            let table = try #require(actual[name], "create-tables made no table \(name)")
            #expect(table.array("KeySchema").map(Self.pairs) == properties.array("KeySchema").map(Self.pairs), "\(name)")
            #expect(
                table.array("AttributeDefinitions").map(Self.pairs)
                    == properties.array("AttributeDefinitions").map(Self.pairs).sorted { $0.description < $1.description }, "\(name)")
            #expect(table.string("BillingMode") == properties.string("BillingMode"), "\(name)")
            let ttl = properties.dictionary("TimeToLiveSpecification")
            #expect(table.string("TimeToLive") == (ttl["Enabled"] as? Bool == true ? ttl.string("AttributeName") : nil), "\(name)")
            let recovery = properties.dictionary("PointInTimeRecoverySpecification")["PointInTimeRecoveryEnabled"] as? Bool ?? false
            #expect(table["PointInTimeRecovery"] as? Bool == recovery, "\(name)")
        }
    }

    @Test("an unknown store URL or missing credentials fail with a message and exit status 1")
    func refusesBadConfiguration() throws {
        let unknown = try RunnerProcess.start(["create-tables", "--store", "postgres://db"], environment: [:]).wait()
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("sqlite:PATH or dynamodb://"), "\(unknown.stderr)")

        let noKeys = try RunnerProcess.start(
            ["create-tables", "--store", "dynamodb://eu-west-1?endpoint=http://127.0.0.1:9"],
            environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]
        ).wait()
        #expect(noKeys.status == 1)
        #expect(noKeys.stderr.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"), "\(noKeys.stderr)")
    }

    /// A key schema or attribute definition entry as comparable text.
    static func pairs(_ entry: [String: Any]) -> [String] {
        entry.keys.sorted().map { "\($0)=\(entry[$0] ?? "")" }
    }
}
