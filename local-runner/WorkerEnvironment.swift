import Foundation
import QuizBootstrap

/// The environment of a worker process: an explicit allow-list of the runner's own variables,
/// every `--env-vars` override, and over them the variables Lambda defines for a custom runtime
/// ([defined runtime environment variables](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)).
///
/// Nothing else of the runner's environment reaches a worker: not the token secret, not a
/// shell's history of exported credentials for other services. docs/local-runner.md lists the
/// rules for users.
enum WorkerEnvironment {
    /// The store every worker uses when the environment names none: the default of
    /// `QuizSettings`, spelled out so that the startup line can show it.
    static let defaultStoreURL = "sqlite:.quiz/quiz.db"

    /// The HS256 secret of local tokens: the runner's alone, never a worker's, not even through
    /// `--env-vars`. Workers trust the claims in their events, as deployed functions do.
    static let tokenSecret = "QUIZ_JWT_SECRET"

    /// Variables of the runner that workers receive by name.
    static let allowedNames: Set<String> = [
        // What a process needs to run: Lambda sets these for a custom runtime too.
        "PATH", "HOME", "TMPDIR", "LANG", "LD_LIBRARY_PATH",
        // Credentials and region for the DynamoDB backend, as Lambda passes a role's.
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
        // Logging and metrics settings the functions honour.
        "LOG_LEVEL", "AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE",
    ]

    /// Prefixes of variables workers receive: the product's own settings.
    static let allowedPrefixes = ["QUIZ_"]

    /// Whether the runner's variable `name` reaches workers.
    static func isAllowed(_ name: String) -> Bool {
        name != tokenSecret && (allowedNames.contains(name) || allowedPrefixes.contains { name.hasPrefix($0) })
    }

    /// The variables shared by every worker of `function`: the allowed part of `inherited`,
    /// every one of `overrides` (the `--env-vars` file) but the token secret, then Lambda's
    /// own. ``variables(_:runtimeAPI:logStream:)`` adds those that differ per worker.
    static func base(
        inherited: [String: String], overrides: [String: String], function: FunctionName, timeout: Duration, concurrency: Int = 1,
        bootstrapDirectory: URL
    ) -> [String: String] {
        var variables = inherited.filter { isAllowed($0.key) }
        variables.merge(overrides) { _, override in override }
        variables[tokenSecret] = nil
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
        // A trace id belongs to one invocation only; Lambda sends it with each.
        variables["_X_AMZN_TRACE_ID"] = nil
        // Set only on Lambda Managed Instances, where the runtime then runs that many loops
        // (docs/runtime.md); unset, a runtime runs one, as classic Lambda has it.
        variables["AWS_LAMBDA_MAX_CONCURRENCY"] = concurrency > 1 ? String(concurrency) : nil
        return variables
    }

    /// `base` for one worker: `AWS_LAMBDA_RUNTIME_API` is `127.0.0.1:PORT/PREFIX`, its Runtime
    /// API under a path prefix only this worker and the runner know (``RuntimeAPIServer``).
    static func variables(_ base: [String: String], runtimeAPI endpoint: String, logStream: String) -> [String: String] {
        var variables = base
        variables["AWS_LAMBDA_RUNTIME_API"] = endpoint
        variables["AWS_LAMBDA_LOG_STREAM_NAME"] = "local-runner/\(logStream)"
        return variables
    }

    /// The ARN Lambda would send as `Lambda-Runtime-Invoked-Function-Arn`, in the local
    /// account `000000000000` that `generate-event` uses too.
    static func functionARN(_ function: FunctionName, environment: [String: String]) -> String {
        "arn:aws:lambda:\(environment["AWS_REGION"] ?? "us-east-1"):000000000000:function:\(function.rawValue)"
    }
}
