import ByteCoding
import SystemCrypto

/// Signs requests with AWS Signature Version 4 in the `Authorization` header
/// ([create a signed request](https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)).
///
/// Pure: the time is an argument, so a signature is a function of its inputs and tests pin
/// them to AWS's published vectors. Like botocore for DynamoDB, it signs `host`, `x-amz-date`,
/// `x-amz-security-token` (with temporary credentials) and the headers the caller passes,
/// hashes the payload into the canonical request, and adds no `X-Amz-Content-Sha256` header,
/// which only S3 requires.
public struct SigV4Signer: Sendable {
    /// The keys requests are signed with. The description shows the access key id only.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible {
        /// The access key id (`AKIA…`, or `ASIA…` for temporary credentials).
        public var accessKeyID: String
        /// The secret access key.
        public var secretAccessKey: String
        /// The session token of temporary credentials (a Lambda function's role has one).
        public var sessionToken: String?

        /// Credentials.
        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }

        public var description: String {
            "Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
        }
    }

    /// Everything one signing produced: the headers to add, and the texts they derive from,
    /// for tests and for comparing with the canonical request of an `InvalidSignatureException`.
    /// The canonical request holds the session token: do not log it.
    public struct Signature: Sendable, Hashable {
        /// The canonical request (step 1).
        public var canonicalRequest: String
        /// The string to sign (step 2).
        public var stringToSign: String
        /// The signature, lowercase hex (step 4).
        public var signature: String
        /// The headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` with
        /// temporary credentials, and `Authorization`.
        public var headers: [Header]
    }

    /// One header field.
    public struct Header: Sendable, Hashable {
        /// The field name.
        public var name: String
        /// The field value.
        public var value: String

        /// A header field.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The credentials.
    public var credentials: Credentials
    /// The region, e.g. `eu-west-1`.
    public var region: String
    /// The service's signing name, `dynamodb` for DynamoDB.
    public var service: String

    /// A signer.
    public init(credentials: Credentials, region: String, service: String = "dynamodb") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    // Headers that proxies and HTTP clients may change or drop on the way, which botocore
    // leaves unsigned (`SIGNED_HEADERS_BLACKLIST`), and the ones the signer sets itself.
    private static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
        "authorization", "host", "x-amz-date", "x-amz-security-token",
    ]

    /// The headers to add to a request so that AWS accepts it.
    ///
    /// - Parameters:
    ///   - method: The request method, e.g. `POST`.
    ///   - host: The `Host` header as it is sent: the endpoint's host name, with `:port` when the
    ///     port is not the scheme's default (libcurl sends it so).
    ///   - path: The path as it appears in the request line (already percent-encoded); `/` for DynamoDB.
    ///   - query: The query string as it appears in the URL, without `?`.
    ///   - headers: The request's other headers. All of them are signed but the ones that
    ///     proxies rewrite (`User-Agent`, `Connection`, …); a `Host`, `X-Amz-Date`,
    ///     `X-Amz-Security-Token` or `Authorization` among them is replaced by the signer's own.
    ///   - body: The request body.
    ///   - epochSeconds: The signing time, seconds since 1970-01-01T00:00:00Z. AWS refuses a
    ///     signature more than 5 minutes off its clock.
    public func sign(
        method: String, host: String, path: String = "/", query: String = "",
        headers: [(name: String, value: String)], body: [UInt8], epochSeconds: Int64
    ) -> [(name: String, value: String)] {
        signature(method: method, host: host, path: path, query: query, headers: headers, body: body, epochSeconds: epochSeconds)
            .headers.map { ($0.name, $0.value) }
    }

    /// The full signing of a request, with its intermediate texts; see ``sign(method:host:path:query:headers:body:epochSeconds:)``.
    public func signature(
        method: String, host: String, path: String = "/", query: String = "",
        headers: [(name: String, value: String)], body: [UInt8], epochSeconds: Int64
    ) -> Signature {
        let timestamp = Self.timestamp(epochSeconds: epochSeconds)
        let date = String(timestamp.prefix(8))

        // Step 1: the canonical request.
        var signed: [(name: String, value: String)] = [("host", host), ("x-amz-date", timestamp)]
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
        for header in headers {
            let name = header.name.lowercased()
            if !Self.unsignedHeaders.contains(name) { signed.append((name, header.value)) }
        }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(signed)
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(path),
            Self.canonicalQuery(query),
            canonicalHeaders,
            signedHeaders,
            SHA256.hash(data: body).description,
        ].joined(separator: "\n")

        // Step 2: the string to sign.
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp, scope, SHA256.hash(data: Array(canonicalRequest.utf8)).description,
        ].joined(separator: "\n")

        // Steps 3 and 4: derive the signing key, then sign.
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let signature = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key).description

        // Step 5: the headers.
        var added = [Header("X-Amz-Date", timestamp)]
        if let token = credentials.sessionToken { added.append(Header("X-Amz-Security-Token", token)) }
        added.append(Header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        ))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: added)
    }

    // MARK: - Canonical parts

    /// The canonical headers block (each `name:value` line ends with a newline, so the block
    /// ends with an empty line) and the signed headers list. Values are trimmed with inner runs of
    /// whitespace collapsed to one space; values of a repeated name are joined with commas, in order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                .joined(separator: " ")
            values[name, default: []].append(trimmed)
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names { block += "\(name):\(values[name]!.joined(separator: ","))\n" }
        return (block, names.joined(separator: ";"))
    }

    /// The `YYYYMMDD'T'HHMMSS'Z'` form of a time, computed without a calendar library.
    static func timestamp(epochSeconds: Int64) -> String {
        let (days, seconds) = epochSeconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = seconds < 0 ? (days - 1, seconds + 86_400) : (days, seconds)
        // Days since 1970-01-01 to a proleptic Gregorian date, after Howard Hinnant's
        // `civil_from_days` (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(year, 4) + pad(month, 2) + pad(dayOfMonth, 2) + "T"
            + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    // MARK: - URI encoding

    /// The canonical URI: the path with `.`, `..` and empty segments resolved (RFC 3986 §6.2.2.3),
    /// each segment URI-encoded. The path arrives as sent, already encoded, so this encodes it a
    /// second time (`%20` becomes `%2520`), as SigV4 asks of every service but S3.
    static func canonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { return "/" }
        let trailingSlash = path.hasSuffix("/") ? "/" : ""
        return "/" + segments.map { uriEncode($0.utf8) }.joined(separator: "/") + trailingSlash
    }

    /// The canonical query string: each name and value percent-decoded and URI-encoded again
    /// (so raw and encoded forms agree), sorted by name and then value, joined with `&`; a
    /// parameter without `=` has an empty value.
    static func canonicalQuery(_ query: String) -> String {
        var parameters: [(name: String, value: String)] = []
        for parameter in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? parts[1] : ""
            parameters.append((uriEncode(percentDecoded(parts[0])), uriEncode(percentDecoded(value))))
        }
        parameters.sort { lhs, rhs in
            lhs.name == rhs.name
                ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
        return parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// SigV4's URI encoding: every byte but the unreserved `A-Z a-z 0-9 - . _ ~` as `%XY`, with
    /// uppercase hex digits.
    static func uriEncode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(upperHexDigits[Int(byte >> 4)])
                output.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)

    /// The bytes of a percent-encoded text; a `%` not followed by two hex digits stays as it is.
    private static func percentDecoded(_ text: Substring) -> [UInt8] {
        // With `.keep` nothing is malformed, so the decoding always exists.
        PercentEncoding.decodedBytes(text, malformed: .keep) ?? Array(text.utf8)
    }
}
