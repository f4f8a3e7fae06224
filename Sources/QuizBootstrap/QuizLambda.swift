import FoundationEssentials
import LambdaRuntime
import QuizFunctions
import QuizStore

/// One product function as a Lambda handler: the Runtime API's bytes through the function.
struct QuizLambdaHandler: LambdaHandler {
    let function: FunctionHandler

    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        let invocation = InvocationContext(requestId: context.requestID, deadline: context.deadline.millisecondsSinceEpoch)
        return Array(await function.handle(Data(event), context: invocation))
    }
}

extension QuizBootstrap {
    /// The whole `bootstrap` of a deployed function: build the environment once (a failure is
    /// reported to Lambda as an init error and the process exits), then serve invocations until
    /// the Runtime API goes away. Called from `main.swift` without `await`, so the bootstrap's
    /// main thread becomes its invocation thread (`LambdaRuntime.run(handlerFactory:)`).
    public static func runLambda(_ name: FunctionName) -> Never {
        runLambda(name, wrappingStore: { $0 })
    }

    /// ``runLambda(_:)`` with `wrap` between the backend and the resilience layer: for test
    /// bootstraps that inject faults, never for the product's.
    public static func runLambda(_ name: FunctionName, wrappingStore wrap: @escaping @Sendable (any TableStore) throws -> any TableStore) -> Never {
        LambdaRuntime.run {
            let environment = try await environment(from: LambdaRuntime.environmentVariables(), function: name, wrappingStore: wrap)
            return QuizLambdaHandler(function: FunctionHandler(name, environment: environment))
        }
    }
}
