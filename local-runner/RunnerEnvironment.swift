import ArgumentParser
import Foundation
import QuizBootstrap

/// The process environment a function sees: this process's, plus SAM-style overrides.
enum RunnerEnvironment {
    /// `--env-vars FILE` as `sam local invoke` reads it: `{"Parameters": {...}, "<FunctionName>": {...}}`,
    /// the function's own section winning over `Parameters`.
    static func variables(for function: FunctionName, envVarsFile: String?) throws -> [String: String] {
        var variables = ProcessInfo.processInfo.environment
        guard let envVarsFile else { return variables }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: envVarsFile))
        } catch {
            throw ValidationError("cannot read --env-vars file \(envVarsFile): \(error.localizedDescription)")
        }
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("--env-vars file \(envVarsFile) is not a JSON object")
        }
        for section in ["Parameters", function.rawValue, functionLogicalId(function)] {
            guard let values = document[section] as? [String: Any] else { continue }
            for (name, value) in values {
                variables[name] = "\(value)"
            }
        }
        return variables
    }

    /// The function's logical id in the SAM template, e.g. `AnswerFunction`.
    static func functionLogicalId(_ function: FunctionName) -> String {
        function.rawValue.prefix(1).uppercased() + function.rawValue.dropFirst() + "Function"
    }

    /// The runner's data directory (the JWT secret lives here): `QUIZ_DATA_DIR` or `.quiz`.
    static var dataDirectory: String {
        ProcessInfo.processInfo.environment["QUIZ_DATA_DIR"] ?? ".quiz"
    }
}

extension FunctionName: ExpressibleByArgument {}

/// Writes to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
