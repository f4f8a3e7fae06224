import FoundationEssentials
import QuizHTTP
import Testing

/// The routes of `openapi.yaml`, as the functions would declare them.
enum Operation: Sendable, Equatable {
    case startSession, getSession, completeSession, abandonSession, currentQuestion
    case importQuestions, listQuestions, answer, progress, ownProgress, health
}

private let router: Router<Operation> = {
    var router = Router<Operation>()
    router.add(.post, "/sessions", .startSession)
    router.add(.get, "/sessions/{sessionId}", .getSession)
    router.add(.post, "/sessions/{sessionId}/complete", .completeSession)
    router.add(.post, "/sessions/{sessionId}/abandon", .abandonSession)
    router.add(.get, "/sessions/{sessionId}/question", .currentQuestion)
    router.add(.post, "/banks/{bankId}/questions", .importQuestions)
    router.add(.get, "/banks/{bankId}/questions", .listQuestions)
    router.add(.post, "/sessions/{sessionId}/answer", .answer)
    router.add(.get, "/users/{userId}/progress", .progress)
    router.add(.get, "/users/me/progress", .ownProgress)
    router.add(.get, "/health", .health)
    return router
}()

/// The error `body` throws, or `nil` when it returns.
private func routingError(_ body: () throws(APIError) -> RouteMatch<Operation>) -> APIError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite struct RouterTests {
    @Test(arguments: [
        (HTTPMethod.post, "/sessions", Operation.startSession, [:]),
        (.get, "/sessions/s-1", .getSession, ["sessionId": "s-1"]),
        (.post, "/sessions/s-1/answer", .answer, ["sessionId": "s-1"]),
        (.post, "/sessions/s-1/answer/", .answer, ["sessionId": "s-1"]),
        (.post, "/sessions/", .startSession, [:]),
        (.get, "/banks/algebra.2024:v1_b/questions", .listQuestions, ["bankId": "algebra.2024:v1_b"]),
        (.post, "/banks/b-1/questions", .importQuestions, ["bankId": "b-1"]),
        (.get, "/sessions/s%2D1/question", .currentQuestion, ["sessionId": "s-1"]),
        (.get, "/users/u-9/progress", .progress, ["userId": "u-9"]),
        (.get, "/users/me/progress", .ownProgress, [:]),
        ("get", "/health", .health, [:]),
    ] as [(HTTPMethod, String, Operation, [String: String])])
    func matchesRoutesAndExtractsParameters(
        method: HTTPMethod, path: String, operation: Operation, parameters: [String: String]
    ) throws {
        let match = try router.match(method, path: path)
        #expect(match.route == operation)
        #expect(match.parameters == PathParameters(parameters))
    }

    @Test func matchReportsTheTemplateNotTheIds() throws {
        let match = try router.match(.post, path: "/sessions/s-77/answer")
        #expect(match.template == "/sessions/{sessionId}/answer")
        #expect(match.method == .post)
        #expect(try match.parameters.require("sessionId") == "s-77")
        #expect(throws: APIError.internal()) { try match.parameters.require("bankId") }
    }

    @Test func matchesADecodedRequestEvent() throws {
        let match = try router.match(Fixtures.event("rest-api-v1-answer.json"))
        #expect(match.route == .answer)
        #expect(match.parameters["sessionId"] == "s-42")
    }

    @Test(arguments: ["/", "/nope", "/sessions/s-1/answer/extra", "/Sessions", "/banks/b-1", "/health/x", "//health"])
    func unknownPathIsNotFound(path: String) {
        let error = routingError { () throws(APIError) in try router.match(.get, path: path) }
        #expect(error?.code == .notFound)
        #expect(error?.status == 404)
        #expect(error?.message == "No route matches GET \(path).")
    }

    @Test(arguments: [
        (HTTPMethod.delete, "/sessions/s-1", "GET"),
        (.get, "/sessions/s-1/answer", "POST"),
        (.put, "/banks/b-1/questions", "GET, POST"),
        (.post, "/users/me/progress", "GET"),
    ])
    func knownPathWithAnotherMethodIs405WithAllow(method: HTTPMethod, path: String, allow: String) {
        let error = routingError { () throws(APIError) in try router.match(method, path: path) }
        #expect(error?.code == .methodNotAllowed)
        let response = error?.response(requestId: "r-1")
        #expect(response?.statusCode == 405)
        #expect(response?.headers["Allow"] == allow)
    }

    @Test(arguments: [
        ("/sessions/a%20b/answer", "sessionId"),
        ("/sessions/a%2Fb/answer", "sessionId"),
        ("/sessions//answer", "sessionId"),
        ("/sessions/%E2%9C%93/answer", "sessionId"),
        ("/sessions/x'%20OR%201=1/answer", "sessionId"),
        ("/sessions/" + String(repeating: "a", count: 129) + "/answer", "sessionId"),
        ("/banks/a%23b/questions", "bankId"),
        ("/users/%00/progress", "userId"),
    ])
    func unsafeParameterIsABadRequestNamingIt(path: String, parameter: String) {
        let method: HTTPMethod = path.hasPrefix("/sessions") ? .post : .get
        let error = routingError { () throws(APIError) in try router.match(method, path: path) }
        #expect(error?.code == .badRequest)
        #expect(error?.status == 400)
        #expect(error?.details.first?.field == parameter)
        #expect(error?.message.hasPrefix("Path parameter '\(parameter)' must be 1 to 128 characters") == true)
    }

    @Test func parameterOfExactly128CharactersIsAccepted() throws {
        let id = String(repeating: "a", count: 128)
        #expect(try router.match(.get, path: "/sessions/\(id)").parameters["sessionId"] == id)
    }

    @Test(arguments: ["/sessions/%zz", "/sessions/%C3%28"])
    func pathThatIsNotPercentEncodedUTF8IsABadRequest(path: String) {
        let error = routingError { () throws(APIError) in try router.match(.get, path: path) }
        #expect(error?.code == .badRequest)
        #expect(error?.message == "The path is not valid percent-encoded UTF-8.")
    }

    @Test func literalSegmentWinsWhicheverRouteWasAddedFirst() throws {
        var literalFirst = Router<String>()
        literalFirst.add(.get, "/users/me/progress", "own")
        literalFirst.add(.get, "/users/{userId}/progress", "any")
        #expect(try literalFirst.match(.get, path: "/users/me/progress").route == "own")
        #expect(try literalFirst.match(.get, path: "/users/u-1/progress").route == "any")
        #expect(literalFirst.routes.map(\.template) == ["/users/me/progress", "/users/{userId}/progress"])
    }

    @Test func emptyRouterFindsNothing() {
        let empty = Router<Int>()
        #expect(throws: APIError.notFound(method: .get, path: "/")) { try empty.match(.get, path: "/") }
    }
}
