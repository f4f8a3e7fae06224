import ArgumentParser
import Foundation
import QuizBootstrap
import ServiceLifecycle

/// The options of `serve --watch`.
struct WatchOptions: ParsableArguments {
    @Flag(help: "Rebuild a function when its sources change, and replace its workers once the new build starts; nothing queued or running is dropped.")
    var watch = false

    @Option(name: .customLong("package-path"), help: "The package --watch rebuilds (default: the one whose build folder holds the bootstraps).")
    var packagePath: String?

    @Option(help: "The swift command --watch builds with.")
    var swift = "swift"

    @Option(name: .customLong("watch-interval"), help: ArgumentHelp("Milliseconds between two scans of the sources.", visibility: .hidden))
    var watchInterval = 500

    func validate() throws {
        guard (10...10_000).contains(watchInterval) else { throw ValidationError("--watch-interval must be 10...10000 milliseconds") }
        if !watch, packagePath != nil { throw ValidationError("--package-path is for --watch") }
    }
}

/// `serve --watch`: scans the package's sources (``SourceTree``), and after a change has
/// settled, rebuilds the functions it may affect (``FunctionBuilder``) one after the other;
/// each function whose bootstrap the build changed gets new workers
/// (``WorkerPool/replaceWorkers()``). A failed build leaves the function's workers as they
/// are and prints the compiler's output. The runner itself is not rebuilt.
struct SourceWatchService: Service {
    let pools: [FunctionName: WorkerPool]
    let tree: SourceTree
    let builder: FunctionBuilder
    let interval: Duration

    /// The startup line's description of what is watched and how it is built.
    var summary: String {
        let command = ([builder.swift] + builder.arguments(for: .answer)).joined(separator: " ")
            .replacingOccurrences(of: "answer-function", with: "<function>-function")
        return "watching \(SourceTree.watched.joined(separator: ", ")) in \(tree.root) every \(interval); rebuilding with `\(command)`"
    }

    func run() async throws {
        // Shutting down cancels the wait between scans (and any build): that ends the watch,
        // not in an error.
        try? await cancelWhenGracefulShutdown {
            var snapshot = tree.scan()
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                var latest = tree.scan()
                guard latest != snapshot else { continue }
                // An editor, a checkout or a formatter may write several files: build once
                // they have stopped changing.
                while true {
                    try await Task.sleep(for: interval)
                    let again = tree.scan()
                    if again == latest { break }
                    latest = again
                }
                let changed = SourceTree.changes(from: snapshot, to: latest)
                snapshot = latest
                await rebuild(changed)
            }
        }
    }

    /// Rebuilds what `changed` may affect, and replaces the workers of each function whose
    /// bootstrap changed.
    func rebuild(_ changed: [String]) async {
        let functions = SourceTree.affectedFunctions(changed).filter { pools[$0] != nil }
        let shown = changed.prefix(3).joined(separator: ", ") + (changed.count > 3 ? " and \(changed.count - 3) more" : "")
        printError("local-runner: \(shown) changed; rebuilding \(functions.map { "\($0)-function" }.joined(separator: ", "))")
        for function in functions {
            guard !Task.isCancelled, let pool = pools[function] else { return }
            let started = ContinuousClock.now
            switch await builder.build(function) {
            case .built(changed: true):
                let seconds = String(format: "%.1f", started.duration(to: .now).seconds)
                printError("local-runner: \(function)-function rebuilt in \(seconds) s; starting its new workers")
                pool.replaceWorkers()
            case .built(changed: false):
                printError("local-runner: \(function)-function is unchanged; its workers keep running")
            case .failed(let status, let output):
                guard !Task.isCancelled else { return }
                printError(
                    "local-runner: building \(function)-function failed (status \(status)); its workers keep running the previous build:\n"
                        + output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
