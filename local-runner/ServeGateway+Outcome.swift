import Foundation
import QuizBootstrap
import QuizHTTP

/// A request the gateway answers itself, before or instead of a worker, with this API's
/// `{"error": {…}}` document. Each code is mapped to its status here and nowhere else.
struct ServeGatewayError: Error, Sendable, Equatable {
    /// What the gateway refuses, and why.
    enum Code: Sendable {
        /// No `Authorization: Bearer` header (401 `UNAUTHENTICATED`).
        case missingToken
        /// A token that is malformed, forged, expired or holds absurd claims (401 `UNAUTHENTICATED`).
        case invalidToken
        /// A body on a route that takes none (400 `BAD_REQUEST`).
        case bodyNotAllowed
        /// A body that could not be read to its end (400 `BAD_REQUEST`).
        case unreadableBody
        /// A body, or the event made of it, over the limit (413 `PAYLOAD_TOO_LARGE`).
        case payloadTooLarge
        /// The function's queue is full, or the runner holds as many request bytes as it may
        /// (503 `SERVER_BUSY`, with `Retry-After`).
        case serverBusy
        /// The request waited for a worker past the queue's deadline (504 `QUEUE_TIMEOUT`).
        case queueTimeout
        /// The worker failed, crashed, or answered something that is no proxy response (502 `WORKER_FAILED`).
        case workerFailed
        /// The worker ran past the function's timeout and was replaced (504 `WORKER_TIMEOUT`).
        case workerTimeout

        /// The HTTP status.
        var status: Int {
            switch self {
            case .missingToken, .invalidToken: 401
            case .bodyNotAllowed, .unreadableBody: 400
            case .payloadTooLarge: 413
            case .serverBusy: 503
            case .queueTimeout, .workerTimeout: 504
            case .workerFailed: 502
            }
        }

        /// The code the error document carries.
        var name: String {
            switch self {
            case .missingToken, .invalidToken: "UNAUTHENTICATED"
            case .bodyNotAllowed, .unreadableBody: "BAD_REQUEST"
            case .payloadTooLarge: "PAYLOAD_TOO_LARGE"
            case .serverBusy: "SERVER_BUSY"
            case .queueTimeout: "QUEUE_TIMEOUT"
            case .workerFailed: "WORKER_FAILED"
            case .workerTimeout: "WORKER_TIMEOUT"
            }
        }
    }

    /// What went wrong.
    var code: Code
    /// The explanation for the API's user.
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The response carrying `requestID`, with `www-authenticate` for a 401 (RFC 6750 §3) and
    /// `retry-after` for a 503.
    func response(requestID: String) -> HTTPResponseEvent {
        var headers: HTTPHeaders = ["content-type": "application/json"]
        switch code {
        case .missingToken: headers["www-authenticate"] = "Bearer"
        case .invalidToken: headers["www-authenticate"] = #"Bearer error="invalid_token""#
        case .serverBusy: headers["retry-after"] = String(ServeLimits.retryAfterSeconds)
        default: break
        }
        let document = Document(error: .init(code: code.name, message: message, requestId: requestID))
        let body = (try? Self.encoder.encode(document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return HTTPResponseEvent(statusCode: code.status, headers: headers, body: body)
    }

    private struct Document: Encodable {
        struct Body: Encodable {
            var code: String
            var message: String
            var requestId: String
        }
        var error: Body
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: - The usual ones

    static let missingToken = ServeGatewayError(
        .missingToken, "This request needs `Authorization: Bearer <token>`; mint a token with `local-runner token USER`.")
    static let invalidToken = ServeGatewayError(
        .invalidToken, "The bearer token is malformed, expired, not yet valid, holds an absurd claim, or is not signed with this runner's secret.")

    static let noRoom = ServeGatewayError(.serverBusy, "The runner holds as many request bytes as it may at once; try again shortly.")

    static func payloadTooLarge(limit: Int) -> ServeGatewayError {
        ServeGatewayError(.payloadTooLarge, "The request body is larger than the \(limit)-byte limit.")
    }

    static func eventTooLarge(bytes: Int, limit: Int) -> ServeGatewayError {
        ServeGatewayError(
            .payloadTooLarge,
            "The request makes an event of at least \(bytes) bytes once encoded for the function, over the \(limit)-byte limit of an invocation.")
    }
}

extension InvocationOutcome {
    /// What the caller of `function` gets for this outcome: the function's own proxy response,
    /// or the gateway's error: 502 `WORKER_FAILED` / 504 `WORKER_TIMEOUT` as API Gateway answers
    /// 502 for a failed Lambda integration and 504 for one that timed out
    /// ([troubleshooting](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html)),
    /// 503 `SERVER_BUSY` for a full queue, 504 `QUEUE_TIMEOUT` for one waited on too long.
    ///
    /// A runtime's error report stays in the runner's log: its message may hold internals.
    func proxyResponse(function: FunctionName, timeout: Duration, requestID: String) -> HTTPResponseEvent {
        let failure: ServeGatewayError
        switch self {
        case .response(let document):
            guard let response = ProxyResponse.decode(document) else {
                failure = ServeGatewayError(.workerFailed, "The function's answer was not a valid API Gateway proxy response.")
                break
            }
            return response
        case .functionError(let report):
            printError("local-runner: \(function) reported an error for \(requestID): \(report)")
            failure = ServeGatewayError(.workerFailed, "The \(function) function failed while handling this request.")
        case .workerCrashed(let exit):
            failure = ServeGatewayError(
                .workerFailed,
                "The \(function) worker handling this request stopped before answering (it \(exit)); "
                    + "the request may or may not have taken effect.")
        case .timedOut:
            failure = ServeGatewayError(
                .workerTimeout, "The \(function) function did not answer within \(timeout.components.seconds) s; its worker was replaced.")
        case .notStarted:
            failure = ServeGatewayError(.workerFailed, "The \(function) function could not start; the runner's log says why.")
        case .shuttingDown:
            failure = ServeGatewayError(.workerFailed, "The runner is shutting down.")
        case .queueFull:
            failure = ServeGatewayError(
                .serverBusy, "Every \(function) worker is busy and its queue is full; the request was not run. Try again shortly.")
        case .queueTimedOut:
            failure = ServeGatewayError(
                .queueTimeout, "The request waited too long for a free \(function) worker and was not run. Try again shortly.")
        case .callerGone:
            failure = ServeGatewayError(.workerFailed, "The client went away before a worker took the request; it was not run.")
        }
        return failure.response(requestID: requestID)
    }
}
