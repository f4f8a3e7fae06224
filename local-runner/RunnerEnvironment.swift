import ArgumentParser
import Foundation
import QuizBootstrap

/// `--env-file` and `--env-vars`: the variables a user gives the functions, beside the
/// runner's own environment (docs/local-runner.md, "Environment files").
struct EnvironmentOptions: ParsableArguments {
    @Option(
        name: .customLong("env-file"),
        help: "A .env file (NAME=VALUE lines, dotenv quoting) of variables for every function; --env-vars wins over it.")
    var envFile: String?

    @Option(
        name: .customLong("env-vars"),
        help: "A JSON file of variables, as `sam local` takes: {\"Parameters\": {…}, \"<Function>\": {…}}; wins over --env-file.")
    var envVars: String?

    /// The variables the files give `function`: the `--env-file`'s, then the `--env-vars`
    /// file's over them; empty without files.
    func overrides(for function: FunctionName) throws -> [String: String] {
        var variables = try envFile.map(RunnerEnvironment.environmentFile) ?? [:]
        variables.merge(try RunnerEnvironment.overrides(for: function, envVarsFile: envVars)) { _, json in json }
        return variables
    }

    /// This process's environment with ``overrides(for:)`` over it: what a function run inside
    /// the runner (`invoke`) sees. Workers of `serve` see less (``WorkerEnvironment``).
    func variables(for function: FunctionName) throws -> [String: String] {
        ProcessInfo.processInfo.environment.merging(try overrides(for: function)) { _, override in override }
    }
}

/// The process environment a function sees: this process's, plus SAM-style overrides.
enum RunnerEnvironment {
    /// This process's environment with the `--env-vars` overrides for `function` over it.
    static func variables(for function: FunctionName, envVarsFile: String?) throws -> [String: String] {
        ProcessInfo.processInfo.environment.merging(try overrides(for: function, envVarsFile: envVarsFile)) { _, override in override }
    }

    /// `--env-vars FILE` as `sam local invoke` reads it: `{"Parameters": {...}, "<FunctionName>": {...}}`,
    /// the function's own section winning over `Parameters`; empty without a file.
    static func overrides(for function: FunctionName, envVarsFile: String?) throws -> [String: String] {
        guard let envVarsFile else { return [:] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: envVarsFile))
        } catch {
            throw ValidationError("cannot read --env-vars file \(envVarsFile): \(error.localizedDescription)")
        }
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("--env-vars file \(envVarsFile) is not a JSON object")
        }
        var variables: [String: String] = [:]
        for section in ["Parameters", function.rawValue, functionLogicalId(function)] {
            guard let values = document[section] as? [String: Any] else { continue }
            for (name, value) in values {
                variables[name] = "\(value)"
            }
        }
        return variables
    }

    /// The variables of the `.env` file at `path` (``EnvironmentFile``).
    static func environmentFile(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read --env-file \(path)")
        }
        do {
            return try EnvironmentFile(parsing: Array(data)).variables
        } catch {
            throw ValidationError("--env-file \(path), \(error)")
        }
    }

    /// The function's logical id in the SAM template, e.g. `AnswerFunction`.
    static func functionLogicalId(_ function: FunctionName) -> String {
        function.rawValue.prefix(1).uppercased() + function.rawValue.dropFirst() + "Function"
    }

    /// The runner's data directory (the JWT secret lives here): `QUIZ_DATA_DIR` or `.quiz`.
    static func dataDirectory(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["QUIZ_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".quiz"
    }
}

extension FunctionName: ExpressibleByArgument {}

/// Writes a line to standard error, in one `write` (a line per request: no Foundation on the way).
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
