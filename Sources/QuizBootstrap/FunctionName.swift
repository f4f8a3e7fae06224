import FoundationEssentials
import QuizFunctions

/// The product's functions, by the names they are deployed and logged under.
public enum FunctionName: String, Sendable, CaseIterable, CustomStringConvertible {
    case session, quiz, answer, progress, maintenance

    public var description: String { rawValue }

    /// The HTTP routes the function serves (`GET /health` on all but maintenance), as API Gateway route keys.
    public var routes: [String] {
        // Each function's own route table: what it matches is what the runner and template route to it.
        switch self {
        case .session: SessionFunction.routeKeys
        case .quiz: QuizFunction.routeKeys
        case .answer: AnswerFunction.routeKeys
        case .progress: ProgressFunction.routeKeys
        case .maintenance: []
        }
    }
}

/// One function, ready to take raw events: what a bootstrap's runtime loop and the local runner call.
public struct FunctionHandler: Sendable {
    /// Which function this is.
    public let name: FunctionName
    private let handle: @Sendable (Data, InvocationContext) async -> Data

    /// The function `name` over an environment built at start.
    public init(_ name: FunctionName, environment: QuizEnvironment) {
        self.name = name
        switch name {
        case .session:
            let function = SessionFunction(environment: environment)
            handle = { await function.handle(event: $0, context: $1) }
        case .quiz:
            let function = QuizFunction(environment: environment)
            handle = { await function.handle(event: $0, context: $1) }
        case .answer:
            let function = AnswerFunction(environment: environment)
            handle = { await function.handle(event: $0, context: $1) }
        case .progress:
            let function = ProgressFunction(environment: environment)
            handle = { await function.handle(event: $0, context: $1) }
        case .maintenance:
            let function = MaintenanceFunction(environment: environment)
            handle = { await function.handle(event: $0, context: $1) }
        }
    }

    /// Handles one event and returns the response bytes. Never throws: every failure is an HTTP
    /// error response, as API Gateway expects.
    public func handle(_ event: Data, context: InvocationContext) async -> Data {
        await handle(event, context)
    }
}
