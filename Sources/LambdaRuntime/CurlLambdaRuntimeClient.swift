public import CurlHTTP

/// The ``LambdaRuntimeClient`` of a real execution environment: HTTP/1.1 to the Runtime API at
/// `AWS_LAMBDA_RUNTIME_API`, over one ``CurlHTTPClient``.
///
/// One libcurl handle serves every call, so the loopback connection to the Runtime API is made
/// once and kept alive for the life of the process. Bodies of up to Lambda's 6 MB go both ways
/// without a copy between the handler's bytes and libcurl.
///
/// Statuses follow the [Runtime API reference](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
/// `next` expects 200, the posts expect 202. A 413 on a response is the one status the loop can
/// recover from; any other status, 500 ("Container error. Non-recoverable state. Runtime should
/// exit promptly") among them, is ``LambdaRuntimeError/Code/unexpectedStatus``.
///
/// Not `Sendable`, like the ``CurlHTTPClient`` it owns: the run loop keeps it in one isolation
/// domain.
public final class CurlLambdaRuntimeClient: LambdaRuntimeClient {
    /// The Runtime API version every path starts with.
    static let apiVersion = "2018-06-01"

    /// `http://HOST:PORT/2018-06-01`.
    public let baseURL: String
    /// `…/runtime/invocation/next` and `…/runtime/invocation/`: built once, not per call.
    private let nextURL: String
    private let invocationURL: String
    private let http: CurlHTTPClient

    /// A client of the Runtime API at `endpoint`, the `host:port` of `AWS_LAMBDA_RUNTIME_API`.
    ///
    /// By default the client makes its own ``CurlHTTPClient`` with no time limit on any call:
    /// the Runtime API is a local endpoint, `next` must never time out, and Lambda enforces the
    /// function's own timeout from outside. Pass `http` to use other settings.
    public init(endpoint: String, http: CurlHTTPClient? = nil) throws(LambdaRuntimeError) {
        guard !endpoint.isEmpty else {
            throw LambdaRuntimeError.missingRuntimeAPI
        }
        baseURL = "http://\(endpoint)/\(Self.apiVersion)"
        nextURL = baseURL + "/runtime/invocation/next"
        invocationURL = baseURL + "/runtime/invocation/"
        if let http {
            self.http = http
        } else {
            do {
                self.http = try CurlHTTPClient(configuration: Self.configuration)
            } catch {
                throw LambdaRuntimeError(.connectionFailed, "libcurl could not start", underlying: error)
            }
        }
    }

    /// The HTTP settings of the Runtime API: no request time limit (``HTTPRequest/Timeout``
    /// decides per call), a body limit above Lambda's 6 MB event limit, and no `User-Agent`:
    /// nothing reads it on this loopback API, and libcurl formats it character by character
    /// into both requests of every invocation (callgrind: ~8,000 instructions an invocation,
    /// the largest difference between this loop and the C floor).
    static var configuration: CurlHTTPClient.Configuration {
        CurlHTTPClient.Configuration(
            connectTimeout: .seconds(5),
            requestTimeout: nil,
            userAgent: nil,
            maximumResponseBodySize: 16 * 1024 * 1024)
    }

    // MARK: - LambdaRuntimeClient

    /// `GET /runtime/invocation/next`, waiting as long as it takes; expects 200 with at least
    /// the request id and deadline headers.
    ///
    /// An answer whose headers arrived but whose event did not (over the body limit, or cut
    /// off by a broken connection) throws ``LambdaRuntimeError/Code/eventTooLarge`` or
    /// ``LambdaRuntimeError/Code/eventNotReceived`` with the invocation's request id, so the
    /// loop can report it and go on: one bad event must not end the process.
    public func next() throws(LambdaRuntimeError) -> LambdaInvocation {
        // "Don't set a timeout on the GET request": the environment may stay frozen between
        // the call and the next event for any length of time
        // (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next).
        // Only the fields an invocation is made of become strings (the Runtime API also sends
        // Content-Type, Content-Length and Date).
        let request = HTTPRequest(url: nextURL, timeout: .unlimited, keptResponseHeaders: LambdaInvocation.Header.all)
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch {
            throw Self.failedNext(error, bodyLimit: http.configuration.maximumResponseBodySize)
        }
        guard response.status == 200 else {
            throw Self.unexpected(response, "GET /runtime/invocation/next")
        }
        return try LambdaInvocation(event: response.body, headers: response.headers)
    }

    /// The error for a `next` that got no whole answer: about that one invocation when its
    /// 200 and request id arrived, else the Runtime API's failure.
    static func failedNext(_ error: HTTPClientError, bodyLimit: Int) -> LambdaRuntimeError {
        let call = "GET /runtime/invocation/next"
        guard let partial = error.partialResponse, partial.status == 200,
            let requestID = partial.header(LambdaInvocation.Header.requestID), !requestID.isEmpty
        else {
            return LambdaRuntimeError(.connectionFailed, "\(call) got no answer", underlying: error)
        }
        if error.code == .responseTooLarge {
            return LambdaRuntimeError(
                .eventTooLarge, "the event is over the runtime's limit of \(bodyLimit) bytes", underlying: error,
                requestID: requestID)
        }
        return LambdaRuntimeError(
            .eventNotReceived, "the event could not be received whole: \(error.code.rawValue)", underlying: error,
            requestID: requestID)
    }

    /// `POST /runtime/invocation/{requestID}/response` with `response` as the body; expects 202,
    /// and reads 413 as ``LambdaRuntimeError/Code/responseTooLarge``.
    public func respond(to requestID: String, with response: [UInt8]) throws(LambdaRuntimeError) {
        let url = invocationURL + Self.pathSegment(requestID) + "/response"
        // Only the status matters: the answer's headers and body are dropped unread.
        let answer = try send(HTTPRequest(method: .post, url: url, body: response, timeout: .unlimited, keepsResponseContent: false))
        switch answer.status {
        case 202:
            return
        case 413:
            // "Payload Too Large": the invocation is still open, so the loop reports an error
            // for it (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-response).
            throw LambdaRuntimeError.responseTooLarge
        default:
            throw Self.unexpected(answer, "POST /runtime/invocation/{id}/response")
        }
    }

    /// `POST /runtime/invocation/{requestID}/error` with the report; expects 202.
    public func fail(invocation requestID: String, with error: LambdaErrorReport) throws(LambdaRuntimeError) {
        try postError(error, to: invocationURL + Self.pathSegment(requestID) + "/error", describedAs: "POST /runtime/invocation/{id}/error")
    }

    /// `POST /runtime/init/error` with the report; expects 202.
    public func initFailed(with error: LambdaErrorReport) throws(LambdaRuntimeError) {
        try postError(error, to: baseURL + "/runtime/init/error", describedAs: "POST /runtime/init/error")
    }

    // MARK: - Requests

    /// Posts an error report: the headers carry the error type and the X-Ray error cause, the
    /// body the JSON report, as AWS's runtime clients send them
    /// ([invocation error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror),
    /// [initialization error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror)).
    private func postError(
        _ report: LambdaErrorReport, to url: String, describedAs call: String
    ) throws(LambdaRuntimeError) {
        var headers = [
            (name: "Lambda-Runtime-Function-Error-Type", value: report.functionErrorType),
            (name: "Content-Type", value: "application/json"),
        ]
        if let cause = report.xrayErrorCause {
            headers.append((name: "Lambda-Runtime-Function-XRay-Error-Cause", value: cause))
        }
        let request = HTTPRequest(
            method: .post, url: url, headers: headers, body: report.jsonBody, timeout: .unlimited, keepsResponseContent: false)
        let response = try send(request)
        guard response.status == 202 else {
            throw Self.unexpected(response, call)
        }
    }

    /// Sends `request`; any failure to get an answer ends the loop.
    private func send(_ request: HTTPRequest) throws(LambdaRuntimeError) -> HTTPResponse {
        do {
            return try http.send(request)
        } catch {
            throw LambdaRuntimeError(
                .connectionFailed, "\(request.method) \(request.url) got no answer", underlying: error)
        }
    }

    /// The error for an answer with a status the call does not expect. The body is left out:
    /// for `next` it could be an event, which may hold personal data.
    private static func unexpected(_ response: HTTPResponse, _ call: String) -> LambdaRuntimeError {
        LambdaRuntimeError(.unexpectedStatus, "\(call) answered \(response.status)", status: response.status)
    }

    /// `requestID` made safe to put in a path: every byte outside RFC 3986's unreserved set is
    /// percent-encoded. Lambda's ids are UUIDs and pass unchanged; an id holding `/` or `?`
    /// must not address a different resource.
    static func pathSegment(_ requestID: String) -> String {
        let unreserved = requestID.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where !isUnreserved(byte) { return false }
            return true
        }
        if unreserved == true {
            return requestID  // Lambda's UUIDs, every time: nothing to encode.
        }
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(requestID.utf8.count)
        for byte in requestID.utf8 {
            if isUnreserved(byte) {
                encoded.append(byte)
            } else {
                encoded += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Whether `byte` is in RFC 3986's unreserved set: letters, digits, `-._~`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
