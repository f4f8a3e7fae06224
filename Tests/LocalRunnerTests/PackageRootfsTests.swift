import CurlHTTP
import Foundation
import ProcessTools
import QuizBootstrap
import QuizTestSupport
import Testing

/// The zips of `local-runner package` start on a Linux older than the one they were built on,
/// using only what they carry: each function's zip is unpacked at `/var/task` in a Debian 11 root
/// file system (glibc 2.31, older than provided.al2023's 2.34 and this machine's), and the
/// function runs there under the real Runtime Interface Emulator (chroot), answering the sample
/// API Gateway events of `functions/<name>/events/` in order, one scenario on one SQLite file.
/// The loader's own trace (`LD_DEBUG=libs`) shows every library it tried and initialised came
/// from `/var/task`, although `LD_LIBRARY_PATH` names the root's library folders first.
///
/// The root is built once by `.ci/bullseye-rootfs` (debootstrap; a few minutes on a fresh
/// machine) and kept in `.tools/`. The zips are made from the executables built beside this
/// test bundle, so CI checks its debug build (Swift's runtime libraries then travel in `lib/`
/// too); `QUIZ_PACKAGE_PRODUCTS=<build>/release` checks release zips the same way.
@Suite("local-runner package: the zips run on glibc 2.31", .serialized)
struct PackageRootfsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Lambda's `LD_LIBRARY_PATH` for provided runtimes, with the root's own library folders put
    /// first: a bootstrap that searched it before its run path would load glibc 2.31.
    static let libraryPath = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"

    @Test("every function's zip answers its sample events in a Debian 11 root, loading no library from outside /var/task")
    func zipsRunInAnOlderRoot() async throws {
        try #require(getuid() == 0, "chroot needs root")
        let root = try await Self.script(".ci/bullseye-rootfs")
        let rie = try await Self.script(".ci/fetch-rie")
        let folder = TemporaryFolder()

        // The zips, from the executables built beside this test bundle, or from the build folder
        // QUIZ_PACKAGE_PRODUCTS names (e.g. .build-bench/release, to check release zips).
        let products = ProcessInfo.processInfo.environment["QUIZ_PACKAGE_PRODUCTS"].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let packaged = try RunnerProcess.start(
            ["package", "--skip-build", "--build-path", products.deletingLastPathComponent().path, "--configuration", products.lastPathComponent,
             "--output", "\(folder.path)/dist"], environment: [:]).wait()
        try #require(packaged.status == 0, "\(packaged.stderr)")

        // The emulator (a static Go binary) and the data folder inside the root; the last run's leftovers go.
        let rootURL = URL(fileURLWithPath: root)
        try? FileManager.default.removeItem(at: rootURL.appendingPathComponent("tmp/quiz"))
        try FileManager.default.createDirectory(at: rootURL.appendingPathComponent("tmp/quiz"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: rootURL.appendingPathComponent("usr/local/bin"), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: rootURL.appendingPathComponent("usr/local/bin/aws-lambda-rie"))
        try FileManager.default.copyItem(at: URL(fileURLWithPath: rie), to: rootURL.appendingPathComponent("usr/local/bin/aws-lambda-rie"))

        var scenario = SampleEventScenario()
        var answered = 0
        for group in try SampleEventScenario.steps(in: Self.repository).chunked(by: { $0.function == $1.function }) {
            let function = group.first!.function
            try await Self.unpack("\(folder.path)/dist/\(function).zip", into: rootURL.appendingPathComponent("var/task"))
            let emulator = try ChrootEmulator(root: root, environment: [
                "QUIZ_STORE_URL": "sqlite:/tmp/quiz/quiz.db", "QUIZ_RANDOM_SEED": "11", "LD_LIBRARY_PATH": Self.libraryPath,
                "LD_DEBUG": "libs", "LD_DEBUG_OUTPUT": "/tmp/quiz/ld-debug-\(function)",
            ])
            defer { emulator.stop() }
            for step in group {
                let event = try scenario.event(for: step)
                let response = try emulator.invoke(Array(event.utf8))
                try #require(response.status == 200, "\(step.name): the emulator answered \(response.status): \(emulator.logTail)")
                let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: step.expected)) as? [String: Any])
                let actual = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                    "\(step.name): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
                #expect(SampleEventScenario.sameOutcome(expected: expected, actual: actual), "\(step.name): \(String(decoding: response.body.prefix(400), as: UTF8.self))")
                scenario.observe(actual)
                answered += 1
            }
            emulator.stop()
            try Self.checkLoaderTrace(of: function, in: rootURL.appendingPathComponent("tmp/quiz"))
        }
        #expect(answered == (try SampleEventScenario.steps(in: Self.repository).count))
        #expect(answered >= 25)
    }

    /// Every library the loader tried or initialised for `function` was under `/var/task`, and
    /// it did load the zip's libc and libcurl from there (a trace of nothing proves nothing).
    static func checkLoaderTrace(of function: FunctionName, in folder: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("ld-debug-\(function).") }
        try #require(!files.isEmpty, "\(function): no LD_DEBUG output")
        var initialised: Set<String> = []
        for file in files {
            let trace = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in trace.split(separator: "\n") {
                for marker in ["trying file=", "calling init: "] {
                    guard let range = line.range(of: marker) else { continue }
                    let path = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
                    #expect(path.hasPrefix("/var/task/"), "\(function) (\(file)): the loader looked at \(path)")
                    if marker == "calling init: " { initialised.insert(path) }
                }
            }
            try FileManager.default.removeItem(at: folder.appendingPathComponent(file))
        }
        #expect(initialised.contains("/var/task/lib/libc.so.6"), "\(function): \(initialised.sorted())")
        #expect(initialised.contains("/var/task/lib/libcurl.so.4"), "\(function): \(initialised.sorted())")
    }

    /// Runs a script of `.ci/` and returns the path it prints.
    static func script(_ name: String) async throws -> String {
        let result = try await Tool.run(["bash", repository.appendingPathComponent(name).path])
        try #require(result.status == 0, "\(name): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Unpacks `zip` into `folder` (emptied first), with each entry's unix mode, as Lambda does.
    static func unpack(_ zip: String, into folder: URL) async throws {
        try? FileManager.default.removeItem(at: folder)
        let script = """
            import os, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as archive:
                for entry in archive.infolist():
                    path = archive.extract(entry, sys.argv[2])
                    os.chmod(path, (entry.external_attr >> 16) & 0o7777)
            """
        let result = try await Tool.run(["python3", "-c", script, zip, folder.path])
        try #require(result.status == 0, "cannot unpack \(zip): \(result.stderr)")
    }
}

/// The Runtime Interface Emulator started inside a root file system with `chroot`, running
/// `/var/task/bootstrap` with exactly `environment` (plus what the emulator adds), on loopback
/// ports of its own. Stopping kills the bootstrap, then the emulator, and waits for both.
///
/// The root gets a `/proc` of its own, as a Lambda execution environment has (Swift's
/// Dispatch reads `/proc/self/task` once the cooperative thread pool starts, and traps without
/// it), mounted in a mount namespace private to the emulator (`unshare`), so the mount goes
/// away with the process however it ends and the machine's mounts never change.
final class ChrootEmulator {
    let process = Process()
    private let client: CurlHTTPClient
    private let invokeURL: String
    private let log: URL

    init(root: String, environment: [String: String]) throws {
        let invokePort = try LoopbackPort.free()
        let runtimePort = try LoopbackPort.free()
        invokeURL = "http://127.0.0.1:\(invokePort)/2015-03-31/functions/function/invocations"
        client = try CurlHTTPClient(configuration: .init(connectTimeout: .seconds(5), requestTimeout: .seconds(60)))
        log = FileManager.default.temporaryDirectory.appendingPathComponent("chroot-rie-\(invokePort).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw ToolFailure("cannot create the emulator's log file \(log.path)")
        }
        // unshare, sh and chroot each exec the next: the process started here is the emulator.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = [
            "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            #"mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /usr/local/bin/aws-lambda-rie "$@""#, root,
            "--log-level", "error",
            "--runtime-interface-emulator-address", "127.0.0.1:\(invokePort)", "--runtime-api-address", "127.0.0.1:\(runtimePort)",
            "/var/task/bootstrap",
        ]
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LAMBDA_TASK_ROOT": "/var/task"].merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: log)
    }

    /// Invokes the function; the first call waits up to 30 s for the emulator to listen.
    func invoke(_ event: [UInt8]) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do throws(HTTPClientError) {
                return try client.send(HTTPRequest(method: .post, url: invokeURL, body: event))
            } catch {
                // 7: could not connect, the emulator is not listening yet.
                guard error.curlCode == 7, ContinuousClock.now < deadline, process.isRunning else { throw error }
                usleep(20_000)
            }
        }
    }

    /// The last lines the emulator and the bootstrap wrote.
    var logTail: String {
        String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2000))
    }

    /// Kills the bootstrap and the emulator and waits for both. Safe to call twice.
    func stop() {
        guard process.isRunning else { return }
        let bootstraps = ProcessTable.children(of: process.processIdentifier)
        for pid in bootstraps { kill(pid, SIGKILL) }
        _ = ProcessTable.waitUntilGone(bootstraps, within: .seconds(10))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The sample events of `functions/<name>/events/` as one scenario, in the order of their names,
/// with the placeholders the events use filled in from what the functions answered before:
/// `s-example` is the session the scenario started, `q-current` the question being served
/// (`q-other` another one), and the selected answers `right` and `wrong` the served question's
/// correct and a wrong choice (from the bank the first event imports).
struct SampleEventScenario {
    struct Step {
        var function: FunctionName
        var name: String
        var event: URL
        var expected: URL { event.deletingPathExtension().appendingPathExtension("expected.json") }
    }

    var sessionId: String?
    /// The first flashcard session started, which events address as `s-cards`.
    var cardSessionId: String?
    var currentQuestion: String?
    var correct: [String: [String]] = [:]
    var choices: [String: [String]] = [:]

    static func steps(in repository: URL) throws -> [Step] {
        var steps: [Step] = []
        for function in FunctionName.allCases {
            let folder = repository.appendingPathComponent("functions/\(function.rawValue)/events")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") && !file.hasSuffix(".expected.json") {
                steps.append(Step(function: function, name: String(file.dropLast(5)), event: folder.appendingPathComponent(file)))
            }
        }
        return steps.sorted { $0.name < $1.name }
    }

    /// The event of `step`, placeholders filled in; learns the bank from an import event.
    mutating func event(for step: Step) throws -> String {
        var text = try String(contentsOf: step.event, encoding: .utf8)
        if step.name.hasSuffix("import-questions"),
            let event = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let body = event["body"] as? String,
            let questions = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
        {
            for question in questions {
                guard let id = question["id"] as? String else { continue }
                correct[id] = question["correctAnswers"] as? [String]
                choices[id] = (question["answers"] as? [[String: String]])?.compactMap { $0["id"] }
            }
        }
        if let sessionId { text = text.replacingOccurrences(of: "s-example", with: sessionId) }
        if let cardSessionId { text = text.replacingOccurrences(of: "s-cards", with: cardSessionId) }
        if let question = currentQuestion {
            let right = correct[question] ?? []
            let wrong = (choices[question] ?? []).first { !right.contains($0) } ?? "none"
            text = text.replacingOccurrences(of: #"\"q-current\""#, with: #"\"\#(question)\""#)
            text = text.replacingOccurrences(of: #"\"q-other\""#, with: #"\"\#(correct.keys.sorted().first { $0 != question } ?? "q-other")\""#)
            text = text.replacingOccurrences(of: #"[\"right\"]"#, with: "[" + right.map { #"\"\#($0)\""# }.joined(separator: ",") + "]")
            text = text.replacingOccurrences(of: #"[\"wrong\"]"#, with: #"[\"\#(wrong)\"]"#)
        }
        return text
    }

    /// Learns the session started and the question served from an API Gateway response.
    mutating func observe(_ response: [String: Any]) {
        guard let text = response["body"] as? String, let body = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
        let session = body["session"] as? [String: Any]
        if session?["mode"] as? String == "flashcards" {
            if cardSessionId == nil { cardSessionId = session?["sessionId"] as? String }
        } else if sessionId == nil, let id = session?["sessionId"] as? String {
            sessionId = id
        }
        if let id = body["questionId"] as? String { currentQuestion = id }
        if let id = (body["question"] as? [String: Any])?["questionId"] as? String { currentQuestion = id }
    }

    /// Whether `actual` has the outcome `expected` records: the same status and, for an error,
    /// the same error code; for the scheduled function (no status), the same summary fields.
    static func sameOutcome(expected: [String: Any], actual: [String: Any]) -> Bool {
        guard let status = expected["statusCode"] as? Int else {
            return Set(expected.keys) == Set(actual.keys)
        }
        guard actual["statusCode"] as? Int == status else { return false }
        let expectedCode = ((expected["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
        guard let expectedCode else { return true }
        let body = (actual["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (body?["error"] as? [String: Any])?["code"] as? String == expectedCode
    }
}

extension Array {
    /// Runs of consecutive elements for which `sameRun` holds between neighbours.
    func chunked(by sameRun: (Element, Element) -> Bool) -> [[Element]] {
        var runs: [[Element]] = []
        for element in self {
            if let last = runs.last?.last, sameRun(last, element) {
                runs[runs.count - 1].append(element)
            } else {
                runs.append([element])
            }
        }
        return runs
    }
}
