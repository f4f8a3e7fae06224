import FoundationEssentials
import QuizHTTP

/// Sample events on disk and small events built in code.
///
/// The files under `Fixtures/` are full events as API Gateway sends them: the same answer
/// request through an HTTP API (payload 2.0, JWT authorizer) and through a REST API (Cognito
/// authorizer, base64 body), and a base64 CSV import through a named HTTP API stage.
enum Fixtures {
    /// The folder of the sample events, found next to this source file so that the tests need
    /// no resource bundle.
    static let directory: String = {
        let file = String(#filePath)
        guard let slash = file.lastIndex(of: "/") else { return "Fixtures" }
        return String(file[..<slash]) + "/Fixtures"
    }()

    /// The bytes of the sample event `name`.
    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: URL(filePath: directory + "/" + name))
    }

    /// The sample event `name`, decoded.
    static func event(_ name: String) throws -> HTTPRequestEvent {
        try HTTPRequestEvent(json: data(name))
    }

    /// The answer body both answer fixtures carry.
    static let answerBody = #"{"questionId":"q-17","selectedAnswers":["b","c"],"timeSpentMs":5120,"expectedVersion":6}"#

    /// The user id (`sub`) in both answer fixtures.
    static let answerUserId = "6f1c2a9e-5b7d-4c3e-9a8b-0d1e2f3a4b5c"

    /// A minimal payload 2.0 event for `GET /health` whose JWT claims are `claims` (a JSON
    /// object's text), for testing claim variants without a file per case.
    static func httpAPIEvent(claimsJSON: String?) -> Data {
        let authorizer = claimsJSON.map { #","authorizer":{"jwt":{"claims":\#($0),"scopes":null}}"# } ?? ""
        return Data(
            #"""
            {"version":"2.0","routeKey":"GET /health","rawPath":"/health","rawQueryString":"",
             "headers":{"host":"localhost"},"isBase64Encoded":false,
             "requestContext":{"requestId":"r-1","stage":"$default",
               "http":{"method":"GET","path":"/health","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"test"}\#(authorizer)}}
            """#.utf8
        )
    }

    /// A minimal REST proxy event whose Cognito claims are `claims` (a JSON object's text).
    static func restAPIEvent(claimsJSON: String) -> Data {
        Data(
            #"""
            {"resource":"/health","path":"/health","httpMethod":"GET","headers":null,"multiValueHeaders":null,
             "queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,
             "stageVariables":null,"body":null,"isBase64Encoded":false,
             "requestContext":{"requestId":"r-2","stage":"prod","authorizer":{"claims":\#(claimsJSON)},
               "identity":{"sourceIp":"127.0.0.1","userAgent":"test"}}}
            """#.utf8
        )
    }

    /// A `POST` request with `body` and the given headers, as a handler would receive it.
    static func post(_ body: String, headers: HTTPHeaders = ["content-type": "application/json"]) -> HTTPRequestEvent {
        HTTPRequestEvent(method: .post, path: "/sessions/s-1/answer", headers: headers, body: Data(body.utf8), requestId: "r-1")
    }
}
