import Foundation
import QuizBootstrap

// MARK: - The pool's vocabulary

extension WorkerPool {
    /// How the pool runs.
    struct Configuration: Sendable {
        /// The function.
        var function: FunctionName
        /// Its bootstrap executable.
        var bootstrap: URL
        /// How many processes run at once.
        var workers: Int
        /// How many invocations each process runs at once: its `AWS_LAMBDA_MAX_CONCURRENCY`,
        /// 1 for Lambda's classic model (one invocation per execution environment).
        var concurrency = 1
        /// How long a worker may hold an invocation.
        var timeout: Duration
        /// The environment shared by every worker
        /// (``WorkerEnvironment/base(inherited:overrides:function:timeout:concurrency:bootstrapDirectory:)``).
        var environment: [String: String]
        /// How many invocations may wait for a worker; more are refused (503).
        var queueDepth = ServeLimits.defaults.queueDepth
        /// How long an invocation may wait for a worker before it is failed (504).
        var queueTimeout = ServeLimits.defaults.queueTimeout

        /// `Lambda-Runtime-Invoked-Function-Arn`.
        var functionARN: String { WorkerEnvironment.functionARN(function, environment: environment) }

        /// How long a new worker may take to ask for its first invocation. Lambda allows 10 s
        /// for initialisation, then retries it within the function's timeout
        /// ([lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib)):
        /// the longer of the two.
        var initTimeout: Duration { max(.seconds(10), timeout) }
    }

    /// What a caller gets back: the outcome, and the process that produced it.
    struct Reply: Sendable {
        /// What became of the invocation.
        var outcome: InvocationOutcome
        /// The worker that held the invocation, when one did.
        var workerPID: Int32?
    }

    /// What a worker's `next` gets.
    enum NextAnswer: Sendable {
        /// An invocation, and its deadline in epoch milliseconds.
        case invocation(WorkerInvocation, deadline: Int64)
        /// 403: the worker may not ask now.
        case refused
        /// The worker is gone or the pool stopped; nobody is listening for the answer.
        case released
    }
}
