/// The AWS X-Ray trace header of the invocation the current task is serving: what Lambda hands
/// the runtime as `Lambda-Runtime-Trace-Id`, and what AWS SDKs send on every call made for
/// that invocation as `X-Amzn-Trace-Id`, so X-Ray joins the calls to the invocation's trace
/// ([tracing header](https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader)).
///
/// It is a task-local value, not the process-wide `_X_AMZN_TRACE_ID` variable: when one
/// process serves several invocations at once (Lambda Managed Instances), each invocation's
/// task, and every child task it starts, sees its own header and no other. The Lambda runtime
/// loop binds it around the handler call; a client reads it when it builds a request, in the
/// caller's task, and adds it as a header:
///
/// ```swift
/// if let trace = TraceHeader.current { headers.append((TraceHeader.name, trace)) }
/// ```
///
/// It lives in this module because it is the one both the runtime loop and the clients of AWS
/// services already depend on.
public enum TraceHeader {
    /// The request header that carries it to AWS services: `X-Amzn-Trace-Id`.
    public static let name = "X-Amzn-Trace-Id"

    /// The header value of the invocation being served, e.g.
    /// `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`; `nil`
    /// outside an invocation, or when Lambda sent none.
    @TaskLocal public static var current: String?
}
