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
/// API Gateway events of `functions/<name>/events/` in order, one scenario on one SQLite file,
/// each response equal to its `*.expected.json` as the contract tests require (`SampleEventReplay`;
/// the events carry `X-Quiz-Now` at `TestClock`'s time, so the times answered are those recorded).
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

        let steps = try SampleEventReplay.steps(in: Self.repository, functions: FunctionName.allCases.map(\.rawValue))
        var replay = SampleEventReplay()
        var answered = 0
        for group in steps.chunked(by: { $0.function == $1.function }) {
            let function = try #require(FunctionName(rawValue: group.first!.function))
            try await Self.unpack("\(folder.path)/dist/\(function).zip", into: rootURL.appendingPathComponent("var/task"))
            let emulator = try ChrootEmulator(root: root, environment: [
                "QUIZ_STORE_URL": "sqlite:/tmp/quiz/quiz.db", "QUIZ_RANDOM_SEED": "11", "QUIZ_ALLOW_CLOCK_HEADER": "1",
                // The sweep finishes its shards, as recorded, however loaded the machine.
                "QUIZ_MAINTENANCE_BUDGET_SECONDS": "900",
                "LD_LIBRARY_PATH": Self.libraryPath,
                "LD_DEBUG": "libs", "LD_DEBUG_OUTPUT": "/tmp/quiz/ld-debug-\(function)",
            ])
            defer { emulator.stop() }
            for step in group {
                let event = try replay.event(for: step)
                let pinned = try SampleEventReplay.pinningClock(event, at: TestClock().now)
                let response = try emulator.invoke(Array((pinned ?? event).utf8))
                try #require(response.status == 200, "\(step.name): the emulator answered \(response.status): \(emulator.logTail)")
                let actual = try replay.observe(Data(response.body))
                // The schedule has no headers to carry the time: the sweep runs at the machine's
                // time, and once that is past the expiry of items the scenario wrote with a time to
                // live (its idempotency records: a day after TestClock's time), it removes them.
                // Only that count may differ from the record.
                let mismatches = try replay.mismatches(of: actual, against: step, wildcarding: pinned == nil ? ["expiredItemsRemoved"] : [])
                #expect(mismatches.isEmpty, "\(step.name): \(mismatches.joined(separator: "; "))")
                answered += 1
            }
            emulator.stop()
            try Self.checkLoaderTrace(of: function, in: rootURL.appendingPathComponent("tmp/quiz"))
        }
        #expect(answered == steps.count)
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
