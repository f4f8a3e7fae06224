import Foundation
import QuizBootstrap
import QuizHTTP
import ServiceLifecycle

/// The local stand-in for the maintenance function's EventBridge schedule: every `interval`,
/// one scheduled event through the maintenance function's own worker, its summary logged.
///
/// Runs never overlap: the next interval starts when a run has ended, as a `rate(…)` rule with
/// a function that finishes in time behaves. The first run comes one interval after the start,
/// as a new rule's first does. On graceful shutdown a run in progress finishes; none starts.
struct ServeMaintenanceSchedule: Service {
    /// The maintenance function's pool.
    let pool: WorkerPool
    /// The time between the end of one run and the start of the next.
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                await runOnce()
            }
        }
    }

    /// One run: a scheduled event in, its summary (or why it failed) out to the log.
    func runOnce() async {
        let requestID = UUID().uuidString.lowercased()
        let clock = ContinuousClock()
        let started = clock.now
        let reply = await pool.invoke(Array(Self.scheduledEvent(id: requestID, time: Date())), requestID: requestID)
        let elapsed = (clock.now - started).wholeMilliseconds
        switch reply.outcome {
        case .response(let summary):
            printError("local-runner: scheduled maintenance \(String(decoding: summary, as: UTF8.self)) \(elapsed) ms \(requestID)")
        default:
            let failure = reply.outcome.proxyResponse(function: .maintenance, timeout: pool.configuration.timeout, requestID: requestID)
            printError("local-runner: scheduled maintenance failed: \(failure.body) \(elapsed) ms")
        }
    }

    /// An EventBridge scheduled event
    /// ([format](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html)),
    /// with the local account and region that the rest of the runner uses.
    static func scheduledEvent(id: String, time: Date) -> Data {
        let region = ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1"
        let event: [String: Any] = [
            "version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": time.ISO8601Format(), "region": region,
            "resources": ["arn:aws:events:\(region):000000000000:rule/local-runner-maintenance"], "detail": [String: Any](),
        ]
        return (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
