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
