import Foundation

extension SampleEventReplay {
    /// `response` with its random parts replaced by `"*"`: every session id the scenario started,
    /// wherever it appears (in text too), the order a served question's choices were shuffled
    /// into, and the store's latency. The scenario's sessions draw from a category with one
    /// question, so which question is served is not random and stays exact.
    public func wildcarded(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            let served = object["questionId"] != nil && object["attempt"] != nil
            for (key, field) in object {
                if (served && key == "answers") || key == "storeLatencyMs" {
                    result[key] = "*"
                } else {
                    result[key] = wildcarded(field)
                }
            }
            return result
        case let array as [Any]:
            return array.map(wildcarded)
        case let text as String:
            var result = text
            for id in [sessionId, cardSessionId].compactMap({ $0 }) + otherSessionIds where result.contains(id) {
                result = result.replacingOccurrences(of: id, with: "*")
            }
            return result
        default:
            return value
        }
    }

    /// Where `actual` differs from `expected`, each as a path from `path` and what was found
    /// there; `"*"` in `expected` matches any value. Objects must have the same keys, arrays the
    /// same length, scalars the same JSON text.
    public static func differences(_ expected: Any, _ actual: Any, path: String) -> [String] {
        if let wildcard = expected as? String, wildcard == "*" { return [] }
        switch (expected, actual) {
        case (let expected as [String: Any], let actual as [String: Any]):
            var problems: [String] = []
            for key in Set(expected.keys).union(actual.keys).sorted() {
                guard let left = expected[key] else { problems.append("\(path).\(key) is unexpected"); continue }
                guard let right = actual[key] else { problems.append("\(path).\(key) is missing"); continue }
                problems += differences(left, right, path: "\(path).\(key)")
            }
            return problems
        case (let expected as [Any], let actual as [Any]):
            guard expected.count == actual.count else { return ["\(path) has \(actual.count) elements, not \(expected.count)"] }
            return zip(expected, actual).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        default:
            // Scalars compare by their JSON text, which treats 1 and 1.0 alike as JSON does.
            return json(expected) == json(actual) ? [] : ["\(path) is \(json(actual)), not \(json(expected))"]
        }
    }

    static func json(_ scalar: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [scalar], options: [.fragmentsAllowed])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
