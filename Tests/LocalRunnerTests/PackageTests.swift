import Foundation
import QuizBootstrap
import QuizTestSupport
import Testing

@testable import local_runner

/// `local-runner package --skip-build` on executables made here, so no release build runs:
/// the zips must hold exactly what Lambda's custom runtime starts, with the mode that lets it.
///
/// Zips are read back with Python's `zipfile` (the test target does not link ZIPFoundation, and
/// an independent reader is the better witness anyway); the ELF cases compile tiny programs
/// with the toolchain's `clang`.
@Suite("local-runner package")
struct PackageTests {
    @Test("one zip per function, holding the executable as `bootstrap` with mode 0755")
    func zipsEveryFunction() async throws {
        let folder = TemporaryFolder()
        let sources = try Self.fakeExecutables(in: folder)
        let result = try Self.package(folder, ["--output", "\(folder.path)/dist"])
        #expect(result.status == 0, "\(result.stderr)")

        for function in FunctionName.allCases {
            let zip = "\(folder.path)/dist/\(function).zip"
            #expect(result.stdout.contains(zip), "stdout names \(zip)")
            let entries = try await Self.entries(of: zip)
            #expect(entries.map(\.name) == ["bootstrap"], "\(function)")
            let bootstrap = try #require(entries.first)
            #expect(bootstrap.mode == 0o100755, "\(function): mode \(String(bootstrap.mode, radix: 8))")
            #expect(bootstrap.madeOnUnix, "\(function): the mode is only honoured in a zip made on unix")
            #expect(bootstrap.contents == sources[function], "\(function)")
        }
    }

    @Test("the same executables give byte-identical zips, so an unchanged function is not redeployed")
    func reproducible() throws {
        let folder = TemporaryFolder()
        _ = try Self.fakeExecutables(in: folder)
        #expect(try Self.package(folder, ["--output", "\(folder.path)/first"]).status == 0)
        Thread.sleep(forTimeInterval: 2.1)  // past the 2 s resolution of zip timestamps: a clock-based one would differ
        #expect(try Self.package(folder, ["--output", "\(folder.path)/second"]).status == 0)
        for function in FunctionName.allCases {
            let first = try Data(contentsOf: URL(fileURLWithPath: "\(folder.path)/first/\(function).zip"))
            let second = try Data(contentsOf: URL(fileURLWithPath: "\(folder.path)/second/\(function).zip"))
            #expect(first == second, "\(function)")
        }
    }

    @Test("a missing executable fails the command, names the file, and writes no zip at all")
    func missingExecutable() throws {
        let folder = TemporaryFolder()
        _ = try Self.fakeExecutables(in: folder)
        try FileManager.default.removeItem(atPath: "\(folder.path)/release/progress-function")
        let result = try Self.package(folder, ["--output", "\(folder.path)/dist"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no executable at ") && result.stderr.contains("/release/progress-function"), "\(result.stderr)")
        #expect(result.stderr.contains("--skip-build"), "\(result.stderr)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/dist")) ?? []
        #expect(written.filter { $0.hasSuffix(".zip") }.isEmpty, "\(written)")
    }

    @Test("every library the executable links is bundled under lib/, glibc's loader and libc included, and the bootstrap points at them")
    func bundlesEveryLibrary() async throws {
        let folder = TemporaryFolder()
        let library = try await Self.compileLibrary("libquizdemo.so.1", in: folder)
        let executable = try await Self.compileExecutable(linking: "libquizdemo.so.1", in: folder)
        let result = try Self.package(folder, ["session", "--output", "\(folder.path)/dist"])
        #expect(result.status == 0, "\(result.stderr)")

        let entries = try await Self.entries(of: "\(folder.path)/dist/session.zip")
        #expect(entries.map(\.name) == ["bootstrap", "lib/ld-linux-x86-64.so.2", "lib/libc.so.6", "lib/libquizdemo.so.1"])
        #expect(entries.allSatisfy { $0.mode == 0o100755 && $0.madeOnUnix })
        #expect(entries.last?.contents == (try Data(contentsOf: library)))
        #expect(entries[2].contents == (try Data(contentsOf: URL(fileURLWithPath: "/lib/x86_64-linux-gnu/libc.so.6").resolvingSymlinksInPath())))

        // The bootstrap is the executable, pointed at /var/task/lib: interpreter and DT_RPATH
        // (searched before LD_LIBRARY_PATH, unlike DT_RUNPATH).
        let bootstrap = try Self.extract(entries[0], into: folder)
        #expect(try await Self.tool(["patchelf", "--print-interpreter", bootstrap]) == "/var/task/lib/ld-linux-x86-64.so.2")
        #expect(try await Self.tool(["patchelf", "--print-rpath", bootstrap]) == "/var/task/lib")
        let dynamic = try await Self.tool(["readelf", "-d", bootstrap])
        #expect(dynamic.contains("(RPATH)") && !dynamic.contains("(RUNPATH)"), "\(dynamic)")
        #expect(entries[0].contents != (try Data(contentsOf: executable)))
        // Without its debug information (the executable was built with -g), with its symbols.
        #expect(try await Self.tool(["readelf", "-S", executable.path]).contains(".debug_info"))
        let sections = try await Self.tool(["readelf", "-S", bootstrap])
        #expect(!sections.contains(".debug_"), "\(sections)")
        #expect(sections.contains(".symtab"), "\(sections)")

        // And it runs with the zip's libraries alone: the bundled loader, told where lib/ is.
        let unpacked = folder.path + "/unpacked"
        for entry in entries { _ = try Self.extract(entry, into: folder, under: "unpacked") }
        let ran = try await Tool.run(["\(unpacked)/lib/ld-linux-x86-64.so.2", "--library-path", "\(unpacked)/lib", "\(unpacked)/bootstrap"])
        #expect(ran.status == 0, "\(ran.stderr)")
    }

    @Test("a bundled library with a search path of its own is pointed at /var/task/lib too")
    func patchesLibrariesWithTheirOwnSearchPath() async throws {
        let folder = TemporaryFolder()
        _ = try await Self.compileLibrary("libquizdemo.so.1", in: folder, runPath: "/opt/elsewhere")
        _ = try await Self.compileExecutable(linking: "libquizdemo.so.1", in: folder)
        let result = try Self.package(folder, ["session", "--output", "\(folder.path)/dist"])
        #expect(result.status == 0, "\(result.stderr)")

        let entries = try await Self.entries(of: "\(folder.path)/dist/session.zip")
        let library = try Self.extract(try #require(entries.first { $0.name == "lib/libquizdemo.so.1" }), into: folder)
        #expect(try await Self.tool(["patchelf", "--print-rpath", library]) == "/var/task/lib")
        #expect(try await Self.tool(["readelf", "-d", library]).contains("(RPATH)"))
    }

    @Test("an executable needing newer glibc symbols than provided.al2023 has is packaged with the libraries that define them")
    func packagesWhatProvidedAL2023CouldNotRun() async throws {
        let folder = TemporaryFolder()
        // A library that defines a GLIBC_2.99 version stands in for a build host's newer glibc.
        let library = try await Self.compileLibrary("libquizfuture.so.1", in: folder, version: "GLIBC_2.99")
        _ = try await Self.compileExecutable(linking: "libquizfuture.so.1", in: folder)
        let result = try Self.package(folder, ["session", "--output", "\(folder.path)/dist"])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try await Self.entries(of: "\(folder.path)/dist/session.zip")
        #expect(entries.first { $0.name == "lib/libquizfuture.so.1" }?.contents == (try Data(contentsOf: library)))
    }

    @Test("a library this machine cannot find stops the command, naming it, before any zip is written")
    func missingLibrary() async throws {
        let folder = TemporaryFolder()
        _ = try await Self.compileLibrary("libquizgone.so.1", in: folder)
        _ = try await Self.compileExecutable(linking: "libquizgone.so.1", in: folder)
        try FileManager.default.removeItem(atPath: "\(folder.path)/lib/libquizgone.so.1")
        let result = try Self.package(folder, ["session", "--output", "\(folder.path)/dist"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("libquizgone.so.1 needed by session-function but not found on this machine"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/dist/session.zip"))
    }

    @Test("packed relative relocations are asked for exactly when this machine's glibc reads them (2.36+)")
    func leanLinkingFollowsTheGlibc() async throws {
        let ldd = try await Self.tool(["ldd", "--version"])
        let version = try #require(ldd.split(separator: "\n").first?.split(separator: " ").last)
        #expect(PackageCommand.glibcVersion == version.split(separator: ".").compactMap { Int($0) })
        let relr = PackageCommand.leanLinkerArguments.contains("pack-relative-relocs")
        #expect(relr == !PackageCommand.glibcVersion.lexicographicallyPrecedes([2, 36]))
    }

    @Test("each function is linked with its own order file, and a function without one with none")
    func linkOrderFiles() throws {
        for function in FunctionName.allCases {
            let product = PackageCommand.product(function)
            let arguments = PackageCommand.linkOrderArguments(for: product)
            let file = FileManager.default.currentDirectoryPath + "/.ci/link-order/\(product).txt"
            #expect(arguments == ["-Xlinker", "--symbol-ordering-file=" + file])
            // A file the linker reads: names, one a line, the bootstrap's entry point among them.
            let names = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(names.count > 500, "\(product): \(names.count) names")
            #expect(names.contains("\(product.replacingOccurrences(of: "-", with: "_"))_main"), "\(product)")
        }
        #expect(PackageCommand.linkOrderArguments(for: "no-such-function").isEmpty)
        // Unknown names must not fail the link, only lose their place.
        #expect(PackageCommand.leanLinkerArguments.contains("--no-warn-symbol-ordering"))
    }

    // MARK: - Support

    /// `local-runner package --skip-build --build-path FOLDER` plus `arguments`.
    static func package(_ folder: TemporaryFolder, _ arguments: [String]) throws -> RunnerProcess.Output {
        try RunnerProcess.start(["package", "--skip-build", "--build-path", folder.path] + arguments, environment: [:]).wait()
    }

    /// A different shell script per function in `FOLDER/release/`, mode 0700 (so a zip with
    /// 0755 proves the command sets the mode rather than copying it); their bytes.
    static func fakeExecutables(in folder: TemporaryFolder) throws -> [FunctionName: Data] {
        try FileManager.default.createDirectory(atPath: "\(folder.path)/release", withIntermediateDirectories: true)
        var contents: [FunctionName: Data] = [:]
        for function in FunctionName.allCases {
            let script = Data("#!/bin/sh\n# stand-in for the \(function) bootstrap\nexit 0\n".utf8)
            let created = FileManager.default.createFile(
                atPath: "\(folder.path)/release/\(function)-function", contents: script, attributes: [.posixPermissions: 0o700])
            try #require(created)
            contents[function] = script
        }
        return contents
    }

    /// `FOLDER/lib/<soname>`, a shared library exporting `quiz_demo`, under symbol version
    /// `version` when one is given, with its own run path `runPath` when one is given.
    static func compileLibrary(_ soname: String, in folder: TemporaryFolder, version: String? = nil, runPath: String? = nil) async throws -> URL {
        let directory = "\(folder.path)/lib"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "int quiz_demo(void) { return 42; }\n".write(toFile: "\(directory)/demo.c", atomically: true, encoding: .utf8)
        var arguments = ["clang", "-shared", "-fPIC", "-o", "\(directory)/\(soname)", "-Wl,-soname,\(soname)", "\(directory)/demo.c"]
        if let version {
            try "\(version) { global: quiz_demo; local: *; };\n".write(toFile: "\(directory)/demo.map", atomically: true, encoding: .utf8)
            arguments.append("-Wl,--version-script=\(directory)/demo.map")
        }
        if let runPath {
            arguments += ["-Wl,--enable-new-dtags", "-Wl,-rpath,\(runPath)"]
        }
        try await Self.compile(arguments)
        return URL(fileURLWithPath: "\(directory)/\(soname)")
    }

    /// `FOLDER/release/session-function`, calling `quiz_demo` from `soname` (found through its
    /// rpath, as the loader on this machine must find it for `ldd`).
    static func compileExecutable(linking soname: String, in folder: TemporaryFolder) async throws -> URL {
        try FileManager.default.createDirectory(atPath: "\(folder.path)/release", withIntermediateDirectories: true)
        let source = "\(folder.path)/main.c"
        try "int quiz_demo(void);\nint main(void) { return quiz_demo() == 42 ? 0 : 1; }\n".write(toFile: source, atomically: true, encoding: .utf8)
        let output = "\(folder.path)/release/session-function"
        try await Self.compile(["clang", "-g", "-o", output, source, "-L\(folder.path)/lib", "-l:\(soname)", "-Wl,-rpath,\(folder.path)/lib"])
        return URL(fileURLWithPath: output)
    }

    /// Writes `entry` to `FOLDER/<under>/<name>` with its mode; its path.
    static func extract(_ entry: ZipEntry, into folder: TemporaryFolder, under: String = "extracted") throws -> String {
        let path = "\(folder.path)/\(under)/\(entry.name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(FileManager.default.createFile(atPath: path, contents: entry.contents, attributes: [.posixPermissions: entry.mode & 0o7777]))
        return path
    }

    /// A tool's standard output, trimmed; it must succeed.
    static func tool(_ arguments: [String]) async throws -> String {
        let result = try await Tool.run(arguments)
        try #require(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func compile(_ arguments: [String]) async throws {
        let result = try await Tool.run(arguments)
        try #require(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
    }

    /// One entry of a zip, as Python's `zipfile` reads it.
    struct ZipEntry: Decodable {
        var name: String
        /// The unix mode, file type bits included: the high half of the external attributes.
        var mode: Int
        /// Whether the "made by" system is unix (3), the only one whose mode unzip tools apply.
        var madeOnUnix: Bool
        var contents: Data
    }

    static func entries(of zip: String) async throws -> [ZipEntry] {
        let script = """
            import base64, json, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as archive:
                json.dump([{"name": entry.filename, "mode": entry.external_attr >> 16, "madeOnUnix": entry.create_system == 3,
                            "contents": base64.b64encode(archive.read(entry)).decode()} for entry in archive.infolist()], sys.stdout)
            """
        let result = try await Tool.run(["python3", "-c", script, zip])
        try #require(result.status == 0, "cannot read \(zip): \(result.stderr)")
        return try JSONDecoder().decode([ZipEntry].self, from: Data(result.stdout.utf8))
    }
}
