import Foundation
import QuizBootstrap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker's OS process: a function's real `bootstrap`, started with the environment Lambda
/// gives a custom runtime, pointed at the runner's Runtime API.
///
/// The process inherits the runner's standard error for both of its output streams, so the
/// function's JSON log lines appear in the runner's log as `sam local start-api` shows them,
/// with no pipe to drain. Foundation starts it in a process group of its own, so a Ctrl-C in
/// the terminal reaches only the runner, which then stops its workers itself.
struct WorkerProcess: Sendable {
    /// The process id.
    let pid: Int32

    /// Starts `bootstrap` with `environment` in the runner's working directory, so a relative
    /// `QUIZ_STORE_URL` (the default `sqlite:.quiz/quiz.db`) names the same file for every
    /// worker and for `local-runner invoke`.
    ///
    /// `onExit` runs once, after the process has ended and been reaped.
    static func launch(
        _ bootstrap: URL, environment: [String: String], onExit: @escaping @Sendable (WorkerExit) -> Void
    ) throws -> WorkerProcess {
        let process = Process()
        process.executableURL = bootstrap
        process.arguments = []
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        process.terminationHandler = { ended in
            let status = ended.terminationStatus
            onExit(ended.terminationReason == .uncaughtSignal ? .signal(status) : .status(status))
        }
        try process.run()
        return WorkerProcess(pid: process.processIdentifier)
    }

    /// Ends the process at once with SIGKILL.
    ///
    /// Not SIGTERM: a bootstrap has nothing to flush (every write it makes is a committed
    /// transaction) and Lambda, too, ends an execution environment with SIGKILL when no
    /// extension registered for the shutdown phase
    /// ([lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown)).
    /// The pool only calls this before it has seen the process exit, so the id still names it.
    func kill() {
        #if canImport(Glibc)
        _ = Glibc.kill(pid, SIGKILL)
        #else
        _ = Darwin.kill(pid, SIGKILL)
        #endif
    }
}

// MARK: - Environment

/// The environment of a worker process: the runner's own (with SAM-style `--env-vars`
/// overrides), and over it the variables Lambda defines for a custom runtime
/// ([defined runtime environment variables](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)).
enum WorkerEnvironment {
    /// The store every worker uses when the environment names none: the default of
    /// `QuizSettings`, spelled out so that the startup line can show it.
    static let defaultStoreURL = "sqlite:.quiz/quiz.db"

    /// The variables shared by every worker of `function`; ``variables(_:runtimeAPIPort:)``
    /// adds the one that differs per worker.
    static func base(
        _ inherited: [String: String], function: FunctionName, timeout: Duration, bootstrapDirectory: URL
    ) -> [String: String] {
        // Lambda's own variables are set below, over any the runner inherited; settings such as
        // AWS_LAMBDA_LOG_FORMAT pass through. A trace id belongs to one invocation only.
        var variables = inherited
        variables["_X_AMZN_TRACE_ID"] = nil
        if variables["QUIZ_STORE_URL", default: ""].isEmpty {
            variables["QUIZ_STORE_URL"] = defaultStoreURL
        }
        let region = variables["AWS_REGION"] ?? variables["AWS_DEFAULT_REGION"] ?? "us-east-1"
        variables["AWS_REGION"] = region
        variables["AWS_DEFAULT_REGION"] = variables["AWS_DEFAULT_REGION"] ?? region
        variables["AWS_LAMBDA_FUNCTION_NAME"] = function.rawValue
        variables["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128"
        // Not in Lambda's list, but the Runtime Interface Emulator and `sam local` set it, and
        // tools read it to learn the time limit before the first invocation's deadline arrives.
        variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] = String(timeout.components.seconds)
        variables["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(function.rawValue)"
        variables["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        variables["LAMBDA_TASK_ROOT"] = bootstrapDirectory.path
        variables["LAMBDA_RUNTIME_DIR"] = bootstrapDirectory.path
        variables["_HANDLER"] = "bootstrap"
        variables["TZ"] = ":UTC"
        return variables
    }

    /// `base` for the worker whose Runtime API listens on 127.0.0.1:`runtimeAPIPort`.
    static func variables(_ base: [String: String], runtimeAPIPort: Int) -> [String: String] {
        var variables = base
        variables["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(runtimeAPIPort)"
        variables["AWS_LAMBDA_LOG_STREAM_NAME"] = "local-runner/\(runtimeAPIPort)"
        return variables
    }

    /// The ARN Lambda would send as `Lambda-Runtime-Invoked-Function-Arn`, in the local
    /// account `000000000000` that `generate-event` uses too.
    static func functionARN(_ function: FunctionName, environment: [String: String]) -> String {
        "arn:aws:lambda:\(environment["AWS_REGION"] ?? "us-east-1"):000000000000:function:\(function.rawValue)"
    }
}
