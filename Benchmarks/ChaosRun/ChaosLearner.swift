import Foundation
import QuizEngine

/// One learner of a chaos run: starts a session, then answers the question served, again and
/// again, each answer under a key of its own, retried with that key until it gets an answer a
/// retry cannot change. Some answers are wrong on purpose, so the retry and pool paths run too.
struct ChaosLearner: Sendable {
    /// What the learner saw.
    struct Outcome: Sendable {
        var user: String
        var sessionId: String?
        var attempted = 0
        var accepted = 0
        var refused: [String] = []
        var abandoned = 0
        /// The session version each accepted answer reported, in order.
        var versions: [Int] = []
        /// Every keyed request, to send again when checking that no key stays blocked.
        var requests: [String: KeyedRequest] = [:]

        init(user: String) { self.user = user }
    }

    let user: String
    let client: ChaosClient
    let configuration: ChaosConfiguration
    let seed: UInt64

    func run() async -> Outcome {
        var outcome = Outcome(user: user)
        var random = SeededRandomGenerator(seed: seed)
        let startBody: [String: Any] = ["bankId": ChaosRun.bankId, "questionCount": configuration.answersPerLearner, "timeLimitSeconds": 3600]
        outcome.requests["start-\(user)"] = KeyedRequest(path: "/sessions", json: startBody)
        let start = await client.send("POST", "/sessions", json: startBody, key: "start-\(user)", random: &random)
        guard start?.status == 201, let sessionId = (start?.json["session"] as? [String: Any])?["sessionId"] as? String else {
            outcome.refused.append("start: \(start?.status ?? -1) \(start?.errorCode ?? "")")
            return outcome
        }
        outcome.sessionId = sessionId
        var failedReads = 0
        while outcome.attempted < configuration.answersPerLearner, failedReads < 3 {
            let question = await client.send("GET", "/sessions/\(sessionId)/question", random: &random)
            guard let question, question.status == 200, let questionId = question.json["questionId"] as? String,
                let version = question.json["version"] as? Int
            else {
                if question?.errorCode == "SESSION_NOT_ACTIVE" { break }
                failedReads += 1
                continue
            }
            outcome.attempted += 1
            let wrong = Double.random(in: 0..<1, using: &random) < configuration.wrongShare
            let key = "answer-\(user)-\(outcome.attempted)"
            let body: [String: Any] = ["questionId": questionId, "selectedAnswers": [wrong ? "a" : "b"], "expectedVersion": version]
            let path = "/sessions/\(sessionId)/answer"
            outcome.requests[key] = KeyedRequest(path: path, json: body)
            let reply = await client.send("POST", path, json: body, key: key, random: &random)
            switch reply {
            case let reply? where reply.status == 200:
                outcome.accepted += 1
                outcome.versions.append(reply.json["version"] as? Int ?? -1)
                if reply.json["nextAction"] as? String == "SESSION_COMPLETE" { return outcome }
            case let reply? where !ChaosClient.isRetryable(reply):
                outcome.refused.append(reply.errorCode ?? String(reply.status))
            default:
                outcome.abandoned += 1
            }
        }
        return outcome
    }
}

/// A POST sent under an `Idempotency-Key`, kept to send again.
struct KeyedRequest: Sendable {
    var path: String
    /// The JSON body's bytes.
    var body: Data

    init(path: String, json: [String: Any]) {
        self.path = path
        body = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
    }

    /// The body as the client sends it.
    var json: Any { (try? JSONSerialization.jsonObject(with: body)) ?? [:] }
}
