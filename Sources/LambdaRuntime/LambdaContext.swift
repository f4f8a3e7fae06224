/// What the Runtime API says about one invocation, beside its event bytes.
///
/// Each field comes from a response header of `GET /runtime/invocation/next`
/// ([next invocation](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next));
/// the optional ones are sent only by some callers. Configuration that is the same for every
/// invocation (function name, memory size, log group) is in the environment, read once at the
/// entry point.
public struct LambdaContext: Sendable, Hashable {
    /// The invocation's request id (`Lambda-Runtime-Aws-Request-Id`), e.g.
    /// `8476a536-e9f4-11e8-9739-2dfe598c3fcd`; it names the invocation in every later call.
    public var requestID: String
    /// When Lambda stops the function for taking too long (`Lambda-Runtime-Deadline-Ms`).
    public var deadline: LambdaClock.Instant
    /// The ARN of the function, version or alias that was invoked
    /// (`Lambda-Runtime-Invoked-Function-Arn`).
    public var invokedFunctionARN: String
    /// The AWS X-Ray tracing header (`Lambda-Runtime-Trace-Id`), e.g.
    /// `Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1`. While the
    /// handler runs, the loop also binds it as `TraceHeader.current` for the invocation's task
    /// and, when it serves one invocation at a time, exports it as `_X_AMZN_TRACE_ID`.
    public var traceID: String?
    /// Data about the client application and device, for invocations from the AWS Mobile SDK
    /// (`Lambda-Runtime-Client-Context`): JSON text, passed on unparsed.
    public var clientContext: String?
    /// Data about the Amazon Cognito identity provider, for invocations from the AWS Mobile
    /// SDK (`Lambda-Runtime-Cognito-Identity`): JSON text, passed on unparsed.
    public var cognitoIdentity: String?

    /// A context; the runtime builds one per invocation, tests build their own.
    public init(
        requestID: String,
        deadline: LambdaClock.Instant,
        invokedFunctionARN: String,
        traceID: String? = nil,
        clientContext: String? = nil,
        cognitoIdentity: String? = nil
    ) {
        self.requestID = requestID
        self.deadline = deadline
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
    }

    /// The time left before ``deadline`` at `now`, or zero once it has passed.
    ///
    /// Use it to bound outgoing calls, e.g. `HTTPRequest(timeout: .after(remaining - margin))`,
    /// so the handler can still answer before Lambda stops it.
    public func remainingTime(now: LambdaClock.Instant = LambdaClock().now) -> Duration {
        max(.zero, now.duration(to: deadline))
    }
}

/// One event to handle: the bytes Lambda was invoked with and their ``LambdaContext``.
public struct LambdaInvocation: Sendable, Hashable {
    /// The event exactly as the Runtime API sent it (for API Gateway, a JSON document).
    public var event: [UInt8]
    /// What the Runtime API said about the invocation.
    public var context: LambdaContext

    /// An invocation.
    public init(event: [UInt8], context: LambdaContext) {
        self.event = event
        self.context = context
    }
}

// MARK: - Reading the next-invocation headers

extension LambdaInvocation {
    /// The header names of `GET /runtime/invocation/next`
    /// ([next invocation](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next)).
    enum Header {
        static let requestID = "Lambda-Runtime-Aws-Request-Id"
        static let deadline = "Lambda-Runtime-Deadline-Ms"
        static let invokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
        static let traceID = "Lambda-Runtime-Trace-Id"
        static let clientContext = "Lambda-Runtime-Client-Context"
        static let cognitoIdentity = "Lambda-Runtime-Cognito-Identity"

        /// Every name above, in the order ``LambdaInvocation/init(event:values:)`` reads them;
        /// ``LambdaInvocation/init(event:headers:)`` knows their lengths (a test checks them).
        static let all = [requestID, deadline, invokedFunctionARN, traceID, clientContext, cognitoIdentity]
    }

    /// The invocation a `next` answer describes; `header` looks a header up by name, ignoring
    /// case.
    ///
    /// The request id and the deadline are required: without the id no answer can be posted,
    /// and without the deadline the handler cannot know its time limit. A missing deadline
    /// throws ``LambdaRuntimeError/Code/invalidInvocation`` with the request id, so the loop
    /// reports that invocation's error and goes on. Lambda always sends the function ARN too,
    /// but an emulator might not, so its absence reads as "". Empty optional headers read as
    /// absent.
    init(event: [UInt8], header: (String) -> String?) throws(LambdaRuntimeError) {
        try self.init(event: event, values: Header.all.map(header))
    }

    /// The invocation a `next` answer's header fields describe: each field is looked at once,
    /// in one pass (this runs for every invocation), and the first of a name wins.
    init(event: [UInt8], headers: [(name: String, value: String)]) throws(LambdaRuntimeError) {
        var values = [String?](repeating: nil, count: Header.all.count)
        for header in headers {
            // The names' lengths tell them apart (only the request id and the client context
            // share one), so most fields are settled by their length alone.
            let candidates: [Int] =
                switch header.name.utf8.count {
                case 23: [3]
                case 26: [1]
                case 29: [0, 4]
                case 31: [5]
                case 35: [2]
                default: []
                }
            for index in candidates where values[index] == nil && Self.sameName(header.name, Header.all[index]) {
                values[index] = header.value
            }
        }
        try self.init(event: event, values: values)
    }

    /// The invocation of the values of ``Header/all``, in that order.
    private init(event: [UInt8], values: [String?]) throws(LambdaRuntimeError) {
        guard let requestID = values[0], !requestID.isEmpty else {
            throw LambdaRuntimeError(.invalidInvocation, "the invocation has no \(Header.requestID) header")
        }
        guard let deadlineText = values[1], let deadline = LambdaClock.Instant(millisecondsSinceEpoch: deadlineText) else {
            throw LambdaRuntimeError(
                .invalidInvocation, "the invocation has no valid \(Header.deadline) header", requestID: requestID)
        }
        let context = LambdaContext(
            requestID: requestID,
            deadline: deadline,
            invokedFunctionARN: values[2] ?? "",
            traceID: Self.nonEmpty(values[3]),
            clientContext: Self.nonEmpty(values[4]),
            cognitoIdentity: Self.nonEmpty(values[5]))
        self.init(event: event, context: context)
    }

    /// Whether two header names of the same length are equal, ignoring ASCII case; over the
    /// strings' UTF-8 storage (the generic iterators of `String.UTF8View` cost more than the
    /// rest of reading an invocation).
    private static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        // The client keeps next's fields under these very names: the same string, at once.
        if lhs == rhs { return true }
        let same = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    // Equal only as the two cases of one ASCII letter.
                    let folded = left[index] | 0x20
                    guard folded == right[index] | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
                }
                return left.count == right.count
            }
        }
        // Bridged, non-contiguous strings (never from libcurl): compare a copy.
        return (same ?? nil) ?? (lhs.lowercased() == rhs.lowercased())
    }

    private static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
