import ArgumentParser
import Foundation
import QuizBootstrap

/// `local-runner package`: one deployable zip per function, the `CodeUri`s of template.yaml.
struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Build the functions for Lambda (provided.al2023) and write one zip per function: <output>/<name>.zip.",
        discussion: """
            Each function is built with `swift build -c <configuration> --product <name>-function \
            --static-swift-stdlib`, so the Swift runtime and Foundation are inside the binary, and zipped as \
            `bootstrap` (mode 0755), the file a custom runtime starts. Zips are reproducible: the same binary \
            gives the same bytes, so `sam deploy` only updates functions that changed.

            Shared libraries: the binary still links glibc, libstdc++, libcurl and libsqlite3. provided.al2023 \
            has them all (glibc 2.34, gcc 11's libstdc++, libcurl-minimal, and sqlite-libs, which its package \
            manager needs), so they are not bundled. Any other library the binary links is copied into the \
            zip's lib/ with what it links in turn (Lambda adds /var/task/lib to LD_LIBRARY_PATH); --bundle \
            copies one of the runtime's too. A binary that needs newer glibc or libstdc++ symbol versions than \
            provided.al2023 has would not start there and is refused: build on Amazon Linux 2023, e.g. in the \
            swift:6.3-amazonlinux2023 image (a Debian 12 or Ubuntu 24.04 build needs glibc 2.35+).
            """
    )

    @Argument(help: "The functions to package (default: all five).")
    var functions: [FunctionName] = []

    @Option(name: [.short, .long], help: "The folder the zips are written to.")
    var output = "dist"

    @Option(name: [.short, .long], help: "The build configuration: release or debug.")
    var configuration: BuildConfiguration = .release

    @Option(help: "SwiftPM's build folder (its --scratch-path); the executables are read from <build-path>/<configuration>/.")
    var buildPath = ".build"

    @Flag(help: "Package the executables already in <build-path>/<configuration>/ instead of building them.")
    var skipBuild = false

    @Option(name: .customLong("bundle"), help: ArgumentHelp("Copy this library into lib/ even though provided.al2023 has it (repeatable).", valueName: "soname"))
    var bundledLibraries: [String] = []

    /// SwiftPM's build configurations.
    enum BuildConfiguration: String, ExpressibleByArgument, CaseIterable {
        case release, debug
    }

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("--output must not be empty") }
        if let glibc = bundledLibraries.first(where: LambdaLibraries.glibc.contains) {
            throw ValidationError("--bundle \(glibc): glibc's libraries must come from the runtime, to match its loader")
        }
    }

    func run() throws {
        var selected: [FunctionName] = []
        for function in functions.isEmpty ? FunctionName.allCases : functions where !selected.contains(function) {
            selected.append(function)
        }
        if !skipBuild {
            for function in selected { try build(function) }
        }

        // Every executable is found before any zip is written: a half-updated dist/ would deploy
        // a mix of old and new functions.
        let products = URL(fileURLWithPath: buildPath).appendingPathComponent(configuration.rawValue)
        let executables = selected.map { products.appendingPathComponent(Self.product($0)) }
        let missing = executables.filter { !FileManager.default.isExecutableFile(atPath: $0.path) }
        guard missing.isEmpty else {
            throw PackageError(
                "no executable at \(missing.map(\.path).joined(separator: ", ")): "
                    + (skipBuild ? "build first, or drop --skip-build" : "the build did not produce it; is --build-path its scratch path?"))
        }
        // Libraries are checked for every function before any zip is written, too.
        let packages = try zip(selected, executables).map { function, executable in
            var lddPaths: [String: URL]?
            let libraries = try LambdaLibraries(executable: executable, alsoBundle: Set(bundledLibraries)) { soname in
                if lddPaths == nil { lddPaths = try LambdaLibraries.ldd(executable) }
                return lddPaths?[soname]
            }
            for warning in libraries.warnings {
                printError("local-runner: warning: \(function): \(warning)")
            }
            return (function, LambdaZip(bootstrap: executable, libraries: libraries.bundled))
        }
        let destination = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        for (function, package) in packages {
            let size = try package.write(to: destination.appendingPathComponent("\(function).zip"))
            let path = (output.hasSuffix("/") ? output : output + "/") + "\(function).zip"
            print("\(path)\t\(size) bytes\t\(package.entries.map(\.path).joined(separator: ", "))")
        }
    }

    /// The SwiftPM product of `function`: `session-function`, ….
    static func product(_ function: FunctionName) -> String { "\(function)-function" }

    /// `swift build` of one function; its output goes to standard error, so standard output
    /// stays the list of zips.
    private func build(_ function: FunctionName) throws {
        let arguments = [
            "swift", "build", "-c", configuration.rawValue, "--product", Self.product(function), "--static-swift-stdlib",
            "--scratch-path", buildPath,
        ]
        printError("local-runner: \(arguments.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw PackageError("cannot run swift build: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            printError("local-runner: building \(Self.product(function)) failed (exit status \(process.terminationStatus))")
            throw ExitCode(process.terminationStatus == 0 ? 1 : process.terminationStatus)
        }
    }
}
