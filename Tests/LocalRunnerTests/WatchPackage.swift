import Foundation
import QuizTestSupport
import Testing

/// A package for `serve --watch` to rebuild, in a test's temporary folder (never the
/// repository): `Package.swift`, `functions/progress/main.swift` and a build folder
/// `.build/debug` holding the real session, quiz, answer and maintenance bootstraps (links)
/// and a progress bootstrap built from the package.
///
/// Two kinds of build: ``fake(in:)`` gives a stand-in for `swift` (`--swift`) that "compiles"
/// `main.swift` into a Python stand-in runtime answering with the `version` the source names
/// (and fails on a source that says `BROKEN`), in milliseconds; ``real(in:)`` is a Swift
/// package built by the real `swift build`, whose bootstrap is Swift code that runs the same
/// stand-in with its version.
struct WatchPackage {
    /// The package's folder.
    let path: String
    /// `--swift` for the fake build, `nil` for the real one.
    let fakeSwift: String?

    /// `--bootstrap-dir`.
    var bootstraps: String { "\(path)/.build/debug" }

    /// The source file a change to which rebuilds the progress function.
    var source: String { "\(path)/functions/progress/main.swift" }

    /// The stand-in runtime: answers every progress event with its version, its pid and the
    /// user of its path, after 0.2 s for users named `slow…`, and appends each user to
    /// `received.log` in `QUIZ_DATA_DIR`. Its version is its first argument.
    static let standIn = """
        import http.client, json, os, sys, time
        version = sys.argv[1]
        endpoint, _, prefix = os.environ["AWS_LAMBDA_RUNTIME_API"].partition("/")
        host, port = endpoint.split(":")
        base = "/" + prefix + "/2018-06-01/runtime"
        api = http.client.HTTPConnection(host, int(port))
        while True:
            api.request("GET", base + "/invocation/next")
            answer = api.getresponse()
            event, rid = json.loads(answer.read()), answer.getheader("lambda-runtime-aws-request-id")
            user = event["pathParameters"]["userId"]
            with open(os.path.join(os.environ["QUIZ_DATA_DIR"], "received.log"), "a") as log:
                log.write(user + "\\n")
            if user.startswith("slow"):
                time.sleep(0.2)
            body = json.dumps({"version": version, "pid": os.getpid(), "user": user})
            response = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body}
            api.request("POST", base + "/invocation/%s/response" % rid, json.dumps(response))
            api.getresponse().read()
        """

    /// The fake `swift build`: reads `functions/progress/main.swift` and writes the stand-in
    /// with its version as the new bootstrap (a new file renamed into place, as a linker does);
    /// other products are up to date. Each call is logged to `builds.log` in the package.
    static let fakeBuild = """
        import os, re, sys
        args = sys.argv[1:]
        def option(name): return args[args.index(name) + 1]
        package, scratch, configuration, product = option("--package-path"), option("--scratch-path"), option("-c"), option("--product")
        with open(os.path.join(package, "builds.log"), "a") as log:
            log.write(" ".join(args) + "\\n")
        if product != "progress-function":
            sys.exit(0)
        source_path = os.path.join(package, "functions", "progress", "main.swift")
        source = open(source_path).read()
        if "BROKEN" in source:
            print(source_path + ":1:1: error: cannot find 'BROKEN' in scope", file=sys.stderr)
            sys.exit(1)
        version = re.search(r'let version = "(\\w+)"', source).group(1)
        target = os.path.join(scratch, configuration, product)
        with open(target + ".new", "w") as out:
            out.write("#!%s -S\\nimport sys\\nsys.argv[1:] = [%r]\\n" % (sys.executable, version) + open(os.path.join(package, "standin.py")).read())
        os.chmod(target + ".new", 0o755)
        os.rename(target + ".new", target)
        """

    /// A package built by the fake `swift` at version 1.
    static func fake(in folder: TemporaryFolder) throws -> WatchPackage {
        let path = "\(folder.path)/package".replacingOccurrences(of: "//", with: "/")
        let fakeSwift = "\(folder.path)/fake-swift"
        try write("#!\(ServeStandInTests.python) -S\n\(fakeBuild)", to: fakeSwift, mode: 0o755)
        try write(standIn, to: "\(path)/standin.py")
        try write("// a package for serve --watch to rebuild\n", to: "\(path)/Package.swift")
        let package = WatchPackage(path: path, fakeSwift: fakeSwift)
        try package.setVersion("1")
        try FileManager.default.createDirectory(atPath: package.bootstraps, withIntermediateDirectories: true)
        let built = try run(fakeSwift, package.buildArguments)
        #expect(built.status == 0, "the first fake build: \(built.output)")
        try package.linkRealBootstraps()
        return package
    }

    /// A Swift package, built once with `swift build` at version 1.
    static func real(in folder: TemporaryFolder) throws -> WatchPackage {
        let path = "\(folder.path)/package".replacingOccurrences(of: "//", with: "/")
        try write(
            """
            // swift-tools-version:5.9
            import PackageDescription
            let package = Package(name: "WatchProbe", targets: [.executableTarget(name: "progress-function", path: "functions/progress")])
            """, to: "\(path)/Package.swift")
        let package = WatchPackage(path: path, fakeSwift: nil)
        try package.setVersion("1")
        let built = try run("/usr/bin/env", ["swift"] + package.buildArguments)
        #expect(built.status == 0, "swift build: \(built.output)")
        try package.linkRealBootstraps()
        return package
    }

    /// `build …` as `serve --watch` runs it for the progress function.
    var buildArguments: [String] {
        ["build", "-c", "debug", "--package-path", path, "--scratch-path", "\(path)/.build", "--product", "progress-function"]
    }

    /// Rewrites the progress function's source: for the fake build, the version is all it
    /// reads; for the real one, the Swift program runs the stand-in with that version.
    func setVersion(_ version: String) throws {
        try Self.write(
            fakeSwift != nil
                ? "let version = \"\(version)\"\n"
                : """
                #if canImport(Glibc)
                import Glibc
                #endif
                let version = "\(version)"
                let script = #\"\"\"
                \(Self.standIn)
                \"\"\"#
                let words: [String] = ["\(ServeStandInTests.python)", "-S", "-c", script, version]
                var arguments = words.map { strdup($0) }
                arguments.append(nil)
                execv("\(ServeStandInTests.python)", &arguments)
                perror("execv")
                exit(127)
                """, to: source)
    }

    /// Writes a source that does not compile.
    func breakSource() throws {
        try Self.write("let version = BROKEN\n", to: source)
    }

    private func linkRealBootstraps() throws {
        let built = RunnerProcess.executable.deletingLastPathComponent()
        for function in ["session", "quiz", "answer", "maintenance"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(bootstraps)/\(function)-function", withDestinationPath: built.appendingPathComponent("\(function)-function").path)
        }
    }

    private static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Runs a command to its end; its status and its output and errors together.
    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
