import ArgumentParser
import Foundation
import QuizBootstrap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a function's bootstrap as `serve --watch` does: `swift build --product
/// <function>-function` in the package, scratch folder and configuration the running
/// bootstraps came from, so the new binary lands where the old one is.
struct FunctionBuilder: Sendable {
    /// The `swift` command (a name on `PATH`, or a path).
    var swift: String
    /// The package's folder.
    var packagePath: String
    /// Its build folder (`--scratch-path`), e.g. `.build`.
    var scratchPath: String
    /// `debug` or `release`.
    var configuration: String
    /// Where the bootstraps are.
    var bootstrapDirectory: URL

    /// What a build did.
    enum Outcome: Sendable {
        /// It succeeded; `changed` says whether the bootstrap is a new file.
        case built(changed: Bool)
        /// It failed with this status and output.
        case failed(status: Int32, output: String)
    }

    /// The builder for the bootstraps in `bootstrapDirectory`: its last component is the
    /// configuration, and the package is `packagePath`, else the nearest folder above holding a
    /// `Package.swift`; the scratch folder is the one between the two.
    static func resolve(bootstrapDirectory: URL, packagePath: String?, swift: String) throws -> FunctionBuilder {
        let directory = bootstrapDirectory.resolvingSymlinksInPath().standardizedFileURL
        let configuration = directory.lastPathComponent
        guard configuration == "debug" || configuration == "release" else {
            throw ValidationError(
                "--watch rebuilds bootstraps where `swift build` puts them (…/debug or …/release); \(directory.path) is neither")
        }
        let package = packagePath.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL }
        var scratch = directory.deletingLastPathComponent()
        while scratch.path != "/" {
            let parent = scratch.deletingLastPathComponent()
            let hasManifest = FileManager.default.fileExists(atPath: parent.appendingPathComponent("Package.swift").path)
            if package.map({ parent.path == $0.path }) ?? hasManifest {
                guard hasManifest else { break }
                return FunctionBuilder(
                    swift: swift, packagePath: parent.path, scratchPath: scratch.path, configuration: configuration,
                    bootstrapDirectory: directory)
            }
            scratch = parent
        }
        throw ValidationError(
            "--watch found no package around the bootstraps in \(directory.path): give --package-path, with --bootstrap-dir inside its build folder")
    }

    /// The command line of a build of `function`, after the `swift` command.
    func arguments(for function: FunctionName) -> [String] {
        ["build", "-c", configuration, "--package-path", packagePath, "--scratch-path", scratchPath, "--product", "\(function.rawValue)-function"]
    }

    /// The bootstrap of `function` as it is on disk now: a new build is a new file (the linker
    /// writes a new one and renames it over the old), or at least a new modification time.
    func fingerprint(of function: FunctionName) -> SourceTree.Stamp? {
        let path = bootstrapDirectory.appendingPathComponent("\(function.rawValue)-function").resolvingSymlinksInPath().path
        return (try? FileManager.default.attributesOfItem(atPath: path)).map(SourceTree.Stamp.init)
    }

    /// Builds `function`'s bootstrap and says whether it changed. The build's output is kept
    /// for a failure's report; cancelling the task stops the build.
    func build(_ function: FunctionName) async -> Outcome {
        let before = fingerprint(of: function)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("local-runner-build-\(getpid())-\(function.rawValue).log")
        guard FileManager.default.createFile(atPath: output.path, contents: nil), let log = try? FileHandle(forWritingTo: output) else {
            return .failed(status: -1, output: "cannot create \(output.path) for the build's output")
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [swift] + arguments(for: function)
        process.currentDirectoryURL = URL(fileURLWithPath: packagePath)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        let status: Int32 = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(returning: -1)
                }
            }
        } onCancel: {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        }
        try? log.close()
        guard status == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            return .failed(status: status, output: text.isEmpty ? "\(swift) could not be run" : text)
        }
        return .built(changed: fingerprint(of: function) != before)
    }
}
