import Foundation
import QuizBootstrap
import QuizHTTP

/// A request the gateway answers itself, with this API's `{"error": {…}}` document.
enum ServeGatewayFailure: Error, Sendable {
    /// No `Authorization: Bearer` header.
    case missingToken
    /// A token that is malformed, signed with another secret, or expired.
    case invalidToken
    /// The function's answer is not an API Gateway proxy response.
    case malformedResponse

    /// The error as a response carrying `requestID`.
    func response(requestID: String) -> HTTPResponseEvent {
        switch self {
        case .missingToken:
            // RFC 6750 §3: a 401 names the scheme the resource expects.
            var response = APIError.unauthenticated(
                "This request needs `Authorization: Bearer <token>`; mint a token with `local-runner token USER`."
            ).response(requestId: requestID)
            response.headers["www-authenticate"] = "Bearer"
            return response
        case .invalidToken:
            var response = APIError.unauthenticated("The bearer token is malformed, expired, or not signed with this runner's secret.")
                .response(requestId: requestID)
            response.headers["www-authenticate"] = #"Bearer error="invalid_token""#
            return response
        case .malformedResponse:
            return APIError(.workerFailed, "The function's answer was not a valid API Gateway proxy response.").response(requestId: requestID)
        }
    }
}

extension InvocationOutcome {
    /// What the caller of `function` gets for this outcome: the function's own proxy response,
    /// or 502 `WORKER_FAILED` / 504 `WORKER_TIMEOUT`, as API Gateway answers 502 for a failed
    /// Lambda integration and 504 for one that timed out
    /// ([troubleshooting](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html)).
    ///
    /// A runtime's error report stays in the runner's log: its message may hold internals.
    func proxyResponse(function: FunctionName, timeout: Duration, requestID: String) -> HTTPResponseEvent {
        let failure: APIError
        switch self {
        case .response(let document):
            guard let response = try? JSONDecoder().decode(HTTPResponseEvent.self, from: document),
                (100...599).contains(response.statusCode), !response.isBase64Encoded || Data(base64Encoded: response.body) != nil
            else {
                return ServeGatewayFailure.malformedResponse.response(requestID: requestID)
            }
            return response
        case .functionError(let report):
            printError("local-runner: \(function) reported an error for \(requestID): \(report)")
            failure = APIError(.workerFailed, "The \(function) function failed while handling this request.")
        case .workerCrashed(let exit):
            failure = APIError(
                .workerFailed,
                "The \(function) worker handling this request stopped before answering (it \(exit)); "
                    + "the request may or may not have taken effect.")
        case .timedOut:
            failure = APIError(
                .workerTimeout, "The \(function) function did not answer within \(timeout.components.seconds) s; its worker was replaced.")
        case .notStarted:
            failure = APIError(.workerFailed, "The \(function) function could not start; the runner's log says why.")
        case .shuttingDown:
            failure = APIError(.workerFailed, "The runner is shutting down.")
        }
        return failure.response(requestId: requestID)
    }
}
