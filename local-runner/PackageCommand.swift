import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import QuizBootstrap

/// `local-runner package`: one deployable zip per function, the `CodeUri`s of template.yaml.
struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Build the functions for Lambda (provided.al2023) and write one zip per function: <output>/<name>.zip.",
        discussion: """
            Each function is built with `swift build -c <configuration> --product <name>-function \
            --static-swift-stdlib`, so the Swift runtime and Foundation are inside the binary, linked by lld \
            with the function's link order (.ci/link-order/, the code it runs together on few pages), and zipped \
            as `bootstrap` (mode 0755), the file a custom runtime starts. Run it from the repository's root.

            The zip carries every shared library the binary links, directly or not, from this machine: glibc's \
            loader and libraries, libstdc++, libcurl and everything it links, libsqlite3, under lib/. The \
            bootstrap's ELF interpreter is set to /var/task/lib/<loader> and its run path (DT_RPATH) to \
            /var/task/lib with patchelf, so on Lambda it loads only those libraries and nothing from the \
            runtime's own directories: a build from Debian or Ubuntu (glibc 2.35+) starts on provided.al2023 \
            (glibc 2.34). Zips are reproducible: the same binaries give the same bytes, so `sam deploy` only \
            updates functions that changed. Needs `ldd`, `patchelf` and `strip` (`make deps` installs them).
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

    /// SwiftPM's build configurations.
    enum BuildConfiguration: String, ExpressibleByArgument, CaseIterable {
        case release, debug
    }

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("--output must not be empty") }
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
        // Libraries are found and every bootstrap patched before any zip is written, too.
        var patches: [(function: FunctionName, patch: BootstrapPatch)] = []
        defer { patches.forEach { $0.patch.remove() } }
        for (function, executable) in zip(selected, executables) {
            let libraries = try LambdaLibraries(executable: executable, locate: LambdaLibraries.ldd)
            for warning in libraries.warnings {
                printError("local-runner: warning: \(function): \(warning)")
            }
            patches.append((function, try BootstrapPatch(executable: executable, libraries: libraries)))
        }
        let destination = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        for (function, patch) in patches {
            let package = LambdaZip(bootstrap: patch.bootstrap, libraries: patch.libraries)
            let size = try package.write(to: destination.appendingPathComponent("\(function).zip"))
            let path = (output.hasSuffix("/") ? output : output + "/") + "\(function).zip"
            let libraries = patch.libraries.isEmpty ? "" : " + \(patch.libraries.count) libraries in lib/"
            print("\(path)\t\(size) bytes\tbootstrap\(libraries)")
        }
    }

    /// Build settings that make a bootstrap start with less work and less memory (docs/runtime.md,
    /// "Lean bootstraps"; `make bench-runtime` builds what it measures with the same ones):
    ///
    /// - lld, and every function in a section of its own (`-function-sections`), so that the
    ///   link order file of `.ci/link-order/` (``linkOrderArguments(for:)``) can put the code a
    ///   bootstrap runs together, on a few pages instead of scattered over 10 MB;
    /// - no dynamic symbol table of the binary's own functions (`--no-export-dynamic` undoes the
    ///   `-export-dynamic` of Swift's static-stdlib link): nothing looks them up, and the loader
    ///   no longer reads ~400 KB of symbols and names at every start;
    /// - packed relative relocations (`DT_RELR`, `-z pack-relative-relocs`) where this machine's
    ///   glibc reads them (2.36+): a few kilobytes instead of the ~1 MB relocation table the
    ///   loader reads and applies at every cold start. The zip carries this machine's loader, so
    ///   the bootstrap runs wherever this machine's glibc is new enough;
    /// - where libstdc++.a is installed, the C++ runtime the Swift runtime uses linked
    ///   statically: `.ci/static-libstdcxx` (a linker script named `libstdc++.so`) goes first on
    ///   the library search path, so the bootstrap takes the few parts it uses instead of
    ///   loading all of libstdc++.so.
    static var leanLinkerArguments: [String] {
        var arguments = [
            "-Xswiftc", "-use-ld=lld", "-Xswiftc", "-Xfrontend", "-Xswiftc", "-function-sections",
            "-Xlinker", "--no-export-dynamic", "-Xlinker", "--no-warn-symbol-ordering",
        ]
        if !glibcVersion.lexicographicallyPrecedes([2, 36]) {
            arguments += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]
        }
        let script = FileManager.default.currentDirectoryPath + "/.ci/static-libstdcxx"
        if FileManager.default.fileExists(atPath: script + "/libstdc++.so"), staticLibstdcxxInstalled {
            // Handed to clang, which puts it before its own library folders (a -Xlinker -L
            // would come after them, and -Xswiftc -L never reaches the link).
            arguments += ["-Xswiftc", "-Xclang-linker", "-Xswiftc", "-L" + script]
        }
        return arguments
    }

    /// The link order of `product` (`.ci/link-order/<product>.txt`, made by `make link-order`
    /// from a profile of the bootstrap answering the sample events): the functions it runs, first
    /// in `.text`. None when the file is missing. A name the binary no longer has is skipped
    /// (`--no-warn-symbol-ordering`) and its function stays where the linker would have put it:
    /// a stale file costs memory, never correctness.
    static func linkOrderArguments(for product: String) -> [String] {
        let file = FileManager.default.currentDirectoryPath + "/.ci/link-order/\(product).txt"
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        return ["-Xlinker", "--symbol-ordering-file=" + file]
    }

    /// Whether the toolchain's C compiler finds libstdc++.a (it prints the bare name when not).
    static var staticLibstdcxxInstalled: Bool {
        guard let path = try? HostTool.run(["clang", "-print-file-name=libstdc++.a"]).trimmingCharacters(in: .whitespacesAndNewlines) else {
            return false
        }
        return path.hasPrefix("/") && FileManager.default.fileExists(atPath: path)
    }

    /// This machine's glibc version, e.g. `[2, 36]`.
    static var glibcVersion: [Int] {
        // confstr(_CS_GNU_LIBC_VERSION) answers "glibc 2.36".
        var buffer = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return [] }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
    }

    /// The SwiftPM product of `function`: `session-function`, ….
    static func product(_ function: FunctionName) -> String { "\(function)-function" }

    /// `swift build` of one function; its output goes to standard error, so standard output
    /// stays the list of zips.
    private func build(_ function: FunctionName) throws {
        let product = Self.product(function)
        let arguments = [
            "swift", "build", "-c", configuration.rawValue, "--product", product, "--static-swift-stdlib",
            "--scratch-path", buildPath,
        ] + Self.leanLinkerArguments + Self.linkOrderArguments(for: product)
        // SwiftPM does not know the link order file as an input: without the executable it links
        // again (seconds), so a changed order is never left out.
        try? FileManager.default.removeItem(atPath: "\(buildPath)/\(configuration.rawValue)/\(product)")
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
