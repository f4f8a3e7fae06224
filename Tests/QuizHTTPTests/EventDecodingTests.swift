import FoundationEssentials
import QuizHTTP
import Testing

@Suite struct EventDecodingTests {
    /// The answer request as both fixtures describe it.
    private var expectedAnswerRequest: HTTPRequestEvent {
        HTTPRequestEvent(
            payloadVersion: .v2,
            method: .post,
            path: "/sessions/s-42/answer",
            pathParameters: ["sessionId": "s-42"],
            query: QueryParameters(["trace": ["on"], "tag": ["alpha", "beta"], "q": ["linear algebra+more"]]),
            headers: [
                "accept": "application/json,application/problem+json",
                "content-length": "88",
                "content-type": "application/json; charset=utf-8",
                "host": "quiz.example.com",
                "idempotency-key": "7d0c6a1e-2f4b-4b8e-9c3d-5e6f7a8b9c0d",
                "user-agent": "quiz-web/1.4 (+https://quiz.example.com)",
                "x-amzn-trace-id": "Root=1-664b2450-0f1e2d3c4b5a69788796a5b4",
                "x-forwarded-for": "203.0.113.7",
                "x-forwarded-port": "443",
                "x-forwarded-proto": "https",
            ],
            cookies: ["theme=dark", "lang=en"],
            body: Data(Fixtures.answerBody.utf8),
            requestId: "KzW4shXyjoEEM6Q=",
            sourceIP: "203.0.113.7",
            userAgent: "quiz-web/1.4 (+https://quiz.example.com)",
            stage: "$default",
            routeKey: "POST /sessions/{sessionId}/answer",
            claims: [:]
        )
    }

    @Test func httpAPIEventDecodesEveryField() throws {
        var event = try Fixtures.event("http-api-v2-answer.json")
        #expect(event.claims["cognito:groups"] == "[authors admin]")
        #expect(event.claims.count == 13)
        event.claims = [:]
        #expect(event == expectedAnswerRequest)
    }

    @Test func restAPIEventDecodesToTheSameRequest() throws {
        let event = try Fixtures.event("rest-api-v1-answer.json")
        var expected = expectedAnswerRequest
        expected.payloadVersion = .v1
        expected.stage = "prod"
        expected.routeKey = nil
        expected.claims = event.claims
        #expect(event == expected)
        #expect(event.claims["email"] == "ada@example.com")
    }

    @Test func bothFormatsNameTheSameCaller() throws {
        let expected = Caller(userId: Fixtures.answerUserId, groups: ["authors", "admin"])
        #expect(try Fixtures.event("http-api-v2-answer.json").caller == expected)
        #expect(try Fixtures.event("rest-api-v1-answer.json").caller == expected)
    }

    @Test func base64BodyIsDecodedAndNamedStageIsRemovedFromThePath() throws {
        let event = try Fixtures.event("http-api-v2-csv-import.json")
        let csv = "id,category,text,answers,correctAnswers\nq-1,algebra,Résumé of x²?,a:one|b:two,b\n"
        #expect(event.body == Data(csv.utf8))
        #expect(event.path == "/banks/algebra-1/questions")
        #expect(event.stage == "prod")
        #expect(event.headers.mediaType == "text/csv")
        #expect(event.query.isEmpty)
        #expect(event.caller == Caller(userId: "author-7", groups: ["authors"]))
    }

    @Test(arguments: [
        ("$default", "/prod/sessions", "/prod/sessions"),
        ("prod", "/prod/sessions", "/sessions"),
        ("prod", "/prod", "/"),
        ("prod", "/production/sessions", "/production/sessions"),
        ("prod", "/sessions/prod", "/sessions/prod"),
    ])
    func stageIsRemovedOnlyAsAWholeFirstSegment(stage: String, rawPath: String, path: String) throws {
        let json = #"{"version":"2.0","rawPath":"\#(rawPath)","requestContext":{"stage":"\#(stage)","http":{"method":"GET"}}}"#
        #expect(try HTTPRequestEvent(json: Data(json.utf8)).path == path)
    }

    @Test func minimalEventsWithNullsDecodeToEmptyValues() throws {
        let v2 = try HTTPRequestEvent(json: Data(#"{"version":"2.0","rawPath":"/health","requestContext":{"http":{"method":"get"}}}"#.utf8))
        #expect(v2 == HTTPRequestEvent(payloadVersion: .v2, method: .get, path: "/health"))

        let v1 = try HTTPRequestEvent(json: Fixtures.restAPIEvent(claimsJSON: "null"))
        #expect(v1 == HTTPRequestEvent(
            payloadVersion: .v1, method: .get, path: "/health", requestId: "r-2",
            sourceIP: "127.0.0.1", userAgent: "test", stage: "prod"
        ))
        #expect(v1.caller == nil)
    }

    @Test func httpAPIPayloadFormat1IsReadAsAProxyEvent() throws {
        let json = #"""
            {"version":"1.0","resource":"/health","path":"/health","httpMethod":"GET",
             "headers":{"Accept":"*/*"},"multiValueHeaders":{"Accept":["*/*"]},
             "queryStringParameters":{"verbose":"1"},"multiValueQueryStringParameters":{"verbose":["1"]},
             "requestContext":{"requestId":"r-3","routeKey":"GET /health","stage":"$default",
               "identity":{"sourceIp":"192.0.2.1","userAgent":"probe"}},
             "body":null,"isBase64Encoded":false}
            """#
        let event = try HTTPRequestEvent(json: Data(json.utf8))
        #expect(event.payloadVersion == .v1)
        #expect(event.routeKey == "GET /health")
        #expect(event.query["verbose"] == "1")
        #expect(event.headers["ACCEPT"] == "*/*")
    }

    @Test func restAPIQueryFallsBackToSingleValueParameters() throws {
        let json = #"{"httpMethod":"GET","path":"/banks/b-1/questions","queryStringParameters":{"category":"linear algebra","limit":"5"}}"#
        let event = try HTTPRequestEvent(json: Data(json.utf8))
        #expect(event.query == QueryParameters(["category": ["linear algebra"], "limit": ["5"]]))
        #expect(event.requestId == "")
    }

    @Test(arguments: [
        #"{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}"#,
        #"{"version":"0","id":"x"}"#,
    ])
    func eventOfNeitherFormatIsADecodingErrorNamingBoth(json: String) {
        do {
            _ = try HTTPRequestEvent(json: Data(json.utf8))
            Issue.record("decoded a non-proxy event")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains(#""version": "2.0""#))
            #expect(context.debugDescription.contains(#""httpMethod""#))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func httpAPIEventWithoutAMethodIsRefused() {
        #expect(throws: DecodingError.self) {
            try HTTPRequestEvent(json: Data(#"{"version":"2.0","rawPath":"/","requestContext":{"http":{}}}"#.utf8))
        }
    }

    @Test func invalidBase64BodyIsRefused() {
        let json = #"{"version":"2.0","rawPath":"/","body":"%%%","isBase64Encoded":true,"requestContext":{"http":{"method":"POST"}}}"#
        #expect(throws: DecodingError.self) { try HTTPRequestEvent(json: Data(json.utf8)) }
    }
}

@Suite struct CallerTests {
    /// How group claims arrive from the different authorizers, as JSON claim values.
    @Test(arguments: [
        (#""[authors admin]""#, ["authors", "admin"]),
        // A comma is part of a group name (Cognito allows punctuation), never a separator.
        (#""authors,admin""#, ["authors,admin"]),
        (#""[x,authors]""#, ["x,authors"]),
        (#""authors, admin""#, ["authors,", "admin"]),
        (#""[\"authors\"]""#, ["authors"]),
        (#""[\"authors\",\"admin\"]""#, ["authors", "admin"]),
        (#""[authors]""#, ["authors"]),
        (#""authors""#, ["authors"]),
        (#""[]""#, []),
        (#""""#, []),
        (#"["authors","admin"]"#, ["authors", "admin"]),
    ] as [(String, Set<String>)])
    func cognitoGroupsInEveryForm(claim: String, groups: Set<String>) throws {
        let claims = #"{"sub":"u-1","cognito:groups":\#(claim)}"#
        let v2 = try HTTPRequestEvent(json: Fixtures.httpAPIEvent(claimsJSON: claims))
        let v1 = try HTTPRequestEvent(json: Fixtures.restAPIEvent(claimsJSON: claims))
        #expect(v2.caller == Caller(userId: "u-1", groups: groups))
        #expect(v1.caller == Caller(userId: "u-1", groups: groups))
    }

    @Test func groupsClaimIsReadAndJoinedWithCognitoGroups() throws {
        let claims = #"{"sub":"u-2","groups":"[reviewers]","cognito:groups":"authors"}"#
        let caller = try HTTPRequestEvent(json: Fixtures.httpAPIEvent(claimsJSON: claims)).caller
        #expect(caller == Caller(userId: "u-2", groups: ["reviewers", "authors"]))
        #expect(caller?.isMember(of: "authors") == true)
        #expect(caller?.isMember(of: "admin") == false)
    }

    @Test(arguments: [
        nil,
        "{}",
        #"{"cognito:groups":"[authors]"}"#,
        #"{"sub":""}"#,
        #"{"sub":"a\u0000b"}"#,
        #"{"sub":"line\nbreak"}"#,
        #"{"sub":"del\u007f"}"#,
    ] as [String?])
    func noCallerWithoutASubject(claims: String?) throws {
        let event = try HTTPRequestEvent(json: Fixtures.httpAPIEvent(claimsJSON: claims))
        #expect(event.caller == nil)
        #expect(throws: APIError.unauthenticated()) { try event.requireCaller() }
    }

    @Test func unauthenticatedIsA401() {
        let request = HTTPRequestEvent(method: .get, path: "/health", requestId: "r-9")
        do {
            _ = try request.requireCaller()
            Issue.record("an event without claims had a caller")
        } catch {
            #expect(error.status == 401)
            #expect(error.response(requestId: request.requestId).statusCode == 401)
        }
    }

    /// REST API JWT authorizers keep each claim's JSON type; none of them may fail the event.
    @Test func typedClaimValuesBecomeText() throws {
        let claims = #"{"sub":"u-3","exp":1716203600,"ratio":0.5,"email_verified":true,"address":{"city":"Oslo"},"nothing":null}"#
        let event = try HTTPRequestEvent(json: Fixtures.restAPIEvent(claimsJSON: claims))
        #expect(event.claims == ["sub": "u-3", "exp": "1716203600", "ratio": "0.5", "email_verified": "true"])
        #expect(event.caller == Caller(userId: "u-3"))
    }

    @Test func numericSubjectIsAUserIdToo() throws {
        let event = try HTTPRequestEvent(json: Fixtures.restAPIEvent(claimsJSON: #"{"sub":42}"#))
        #expect(event.caller?.userId == "42")
    }

    @Test func callerFromClaimsUsesTheSubjectExactly() {
        #expect(Caller(claims: ["sub": " u-4 "]) == Caller(userId: " u-4 "))
        #expect(Caller(claims: ["sub": " a"]) != Caller(claims: ["sub": "a"]), "two users, not one")
        #expect(Caller(claims: ["sub": "\u{85}x"]) == nil, "a C1 control character")
        #expect(Caller(claims: ["username": "ada"]) == nil)
    }

    @Test func aCommaInAGroupNameGrantsNothing() {
        let caller = Caller(claims: ["sub": "mallory", "cognito:groups": "x,authors"])
        #expect(caller?.isMember(of: "authors") == false)
        #expect(caller?.groups == ["x,authors"])
    }
}
