import ByteCoding
import FoundationEssentials
import QuizStore

/// Settings of the DynamoDB backend: where to send requests, how to sign them, which tables to
/// use, and the clocks it reads. Built once at the entry point, usually from a store URL and the
/// environment, and passed to ``DynamoDBTableStore``.
///
/// ```swift
/// let configuration = try DynamoDBConfiguration(
///     url: "dynamodb://eu-west-1?prefix=quiz-prod-", environment: ProcessInfo.processInfo.environment)
/// ```
public struct DynamoDBConfiguration: Sendable {
    /// The AWS region, e.g. `eu-west-1`; part of every signature's scope.
    public var region: String
    /// The endpoint's base URL, `https://dynamodb.REGION.amazonaws.com` unless overridden for a
    /// DynamoDB-compatible server (`http://127.0.0.1:8000`).
    public var endpoint: String
    /// Put before every ``TableSchema/name`` to form the DynamoDB table name, so stages or tests
    /// can share one account (`quiz-dev-` turns `sessions` into `quiz-dev-sessions`).
    public var tablePrefix: String
    /// The keys requests are signed with.
    public var credentials: SigV4Signer.Credentials
    /// The current time in epoch seconds, for TTL: reads hide items whose TTL attribute is
    /// before it. Tests inject a clock they set by hand.
    public var currentTime: @Sendable () -> Int64 = DynamoDBConfiguration.systemTime
    /// The time requests are signed at, in epoch seconds. A separate clock from
    /// ``currentTime``: AWS refuses signatures more than five minutes off its own clock, so this
    /// one must stay the real time even when tests move TTL time around.
    public var signingTime: @Sendable () -> Int64 = DynamoDBConfiguration.systemTime
    /// The page size of a query without a limit.
    public var defaultPageSize: Int = 1000
    /// How long one HTTP request may take in all.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a TCP connect and TLS handshake may take.
    public var connectTimeout: Duration = .seconds(3)
    /// How many requests may be in flight at once; each lane keeps its own connection alive.
    public var connections: Int = 4
    /// How many times a batch request is sent while DynamoDB leaves part of it unprocessed,
    /// before the batch fails with `throttled`.
    public var batchAttempts: Int = 8
    /// The first backoff before resending unprocessed batch entries; it doubles per attempt.
    public var batchBackoff: Duration = .milliseconds(50)
    /// How long ``DynamoDBTableStore/createTables(_:)`` waits for a new table to become active.
    public var tableActivationTimeout: Duration = .seconds(300)

    /// A configuration for `region`, with the public endpoint unless `endpoint` is given.
    public init(region: String, credentials: SigV4Signer.Credentials, endpoint: String? = nil, tablePrefix: String = "") {
        self.region = region
        self.credentials = credentials
        self.endpoint = endpoint ?? "https://dynamodb.\(region).amazonaws.com"
        self.tablePrefix = tablePrefix
    }

    /// The configuration a `dynamodb://REGION[?endpoint=URL&prefix=NAME-&timeout=SECONDS]` store URL names, with
    /// credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (README, "Configuration").
    ///
    /// An empty region (`dynamodb://`) falls back to `AWS_REGION`, then `AWS_DEFAULT_REGION`, the
    /// variables Lambda and the AWS CLI set. Parameter values may be percent-encoded. Refuses
    /// unknown parameters, so a misspelt `prefx=` cannot silently send a test to the live tables.
    /// `timeout` is the request timeout in seconds (decimals allowed, 0.1 to 60; default 10): a
    /// request with no answer by then fails with `timeout` and may be retried.
    public init(url: String, environment: [String: String]) throws(TableError) {
        let scheme = "dynamodb://"
        guard url.hasPrefix(scheme) else { throw .validation("not a dynamodb:// store URL") }
        let rest = url.dropFirst(scheme.count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var region = String(parts[0])
        while region.hasSuffix("/") { region.removeLast() }
        if region.isEmpty { region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "" }
        guard !region.isEmpty else { throw .validation("the dynamodb:// store URL names no region, and AWS_REGION is not set") }
        guard region.utf8.allSatisfy({ Self.isRegionCharacter($0) }) else {
            throw .validation("the region of the dynamodb:// store URL is not a region name")
        }

        var endpoint: String?
        var prefix = ""
        var timeout: Duration?
        for parameter in parts.count > 1 ? parts[1].split(separator: "&") : [] {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = try Self.percentDecoded(pair.count > 1 ? pair[1] : "")
            switch pair[0] {
            case "endpoint": endpoint = value
            case "prefix": prefix = value
            case "timeout":
                guard let seconds = Double(value), seconds >= 0.1, seconds <= 60 else {
                    throw .validation("the timeout of the dynamodb:// store URL must be 0.1 to 60 seconds")
                }
                timeout = .milliseconds(Int64((seconds * 1000).rounded()))
            default: throw .validation("unknown parameter '\(pair[0])' in the dynamodb:// store URL")
            }
        }
        if let endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw .validation("the endpoint of the dynamodb:// store URL must be an http:// or https:// URL")
        }

        guard let accessKey = environment["AWS_ACCESS_KEY_ID"], !accessKey.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { throw .validation("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for a dynamodb:// store") }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            region: region, credentials: .init(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            endpoint: endpoint, tablePrefix: prefix)
        if let timeout { requestTimeout = timeout }
    }

    /// The DynamoDB table name of a schema: the prefix, then the schema's name.
    public func tableName(of table: TableSchema) -> String {
        tablePrefix + table.name
    }

    /// The wall-clock time in epoch seconds.
    @Sendable
    public static func systemTime() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }

    // MARK: - URL text

    private static func isRegionCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-")
    }

    /// The text of a percent-encoded query value (`+` stays a plus, as in RFC 3986).
    private static func percentDecoded(_ text: Substring) throws(TableError) -> String {
        guard let bytes = PercentEncoding.decodedBytes(text, malformed: .fail) else {
            throw .validation("malformed percent-encoding in the dynamodb:// store URL")
        }
        guard let decoded = bytes.withUnsafeBufferPointer({ UTF8Text.string(validating: $0) }) else {
            throw .validation("a parameter of the dynamodb:// store URL is not UTF-8")
        }
        return decoded
    }
}
