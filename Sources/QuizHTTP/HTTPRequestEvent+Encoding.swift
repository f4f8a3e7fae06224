import FoundationEssentials

extension HTTPRequestEvent {
    /// The request as an API Gateway HTTP API payload 2.0 event, with the caller's claims where
    /// a JWT authorizer puts them
    /// ([payload format](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)):
    /// what the local runner feeds its workers and what `generate-event` prints.
    ///
    /// - Parameters:
    ///   - routeKey: the matched route, e.g. `POST /sessions/{sessionId}/answer` (`$default` when unknown).
    ///   - time: the request time, in epoch milliseconds.
    public func httpAPIEvent(routeKey: String? = nil, time: Int64) throws -> Data {
        let rawQuery = query.names.flatMap { name in query.values(for: name).map { "\(Self.formEncode(name))=\(Self.formEncode($0))" } }
            .joined(separator: "&")
        let text = String(validating: body, as: UTF8.self)
        var headerFields: [String: String] = [:]
        for (name, value) in headers {
            // HTTP API joins repeated headers with commas, and sends names lower-cased.
            let lower = name.lowercased()
            headerFields[lower] = headerFields[lower].map { "\($0),\(value)" } ?? value
        }
        let event = Event(
            routeKey: routeKey ?? "$default", rawPath: path, rawQueryString: rawQuery,
            cookies: cookies.isEmpty ? nil : cookies, headers: headerFields,
            queryStringParameters: query.isEmpty ? nil : Dictionary(uniqueKeysWithValues: query.names.map { ($0, query.values(for: $0).joined(separator: ",")) }),
            pathParameters: pathParameters.isEmpty ? nil : pathParameters,
            requestContext: Event.Context(
                accountId: "000000000000", apiId: "local", authorizer: claims.isEmpty ? nil : .init(jwt: .init(claims: claims, scopes: nil)),
                domainName: headerFields["host"] ?? "localhost", domainPrefix: "localhost",
                http: .init(method: method.rawValue, path: path, protocol: "HTTP/1.1", sourceIp: sourceIP ?? "127.0.0.1", userAgent: userAgent ?? headerFields["user-agent"] ?? ""),
                requestId: requestId, routeKey: routeKey ?? "$default", stage: "$default", time: Self.clfTime(time), timeEpoch: time),
            body: body.isEmpty ? nil : (text ?? body.base64EncodedString()),
            isBase64Encoded: !body.isEmpty && text == nil)
        return try JSONCoding.encoder.encode(event)
    }

    private struct Event: Encodable {
        var version = "2.0"
        var routeKey: String
        var rawPath: String
        var rawQueryString: String
        var cookies: [String]?
        var headers: [String: String]
        var queryStringParameters: [String: String]?
        var pathParameters: [String: String]?
        var requestContext: Context
        var body: String?
        var isBase64Encoded: Bool

        struct Context: Encodable {
            var accountId: String
            var apiId: String
            var authorizer: Authorizer?
            var domainName: String
            var domainPrefix: String
            var http: HTTP
            var requestId: String
            var routeKey: String
            var stage: String
            var time: String
            var timeEpoch: Int64
        }

        struct Authorizer: Encodable {
            var jwt: JWT
        }

        struct JWT: Encodable {
            var claims: [String: String]
            var scopes: [String]?
        }

        struct HTTP: Encodable {
            var method: String
            var path: String
            var `protocol`: String
            var sourceIp: String
            var userAgent: String
        }
    }

    /// `application/x-www-form-urlencoded` escaping of one name or value.
    private static func formEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return encoded
    }

    /// API Gateway's `time` field, e.g. `22/Nov/2026:02:10:03 +0000`.
    private static func clfTime(_ milliseconds: Int64) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        // Civil date from days since the epoch (Howard Hinnant's algorithm), to stay clear of Calendar.
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(day))/\(months[Int(month) - 1])/\(year):\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)) +0000"
    }
}
