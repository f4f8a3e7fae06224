import Foundation

/// The shared libraries a `bootstrap` runs with on Lambda: every library it links, directly or
/// not, glibc's loader and libraries included, copied from this machine into the zip's `lib/`.
///
/// A binary built on Debian 12 or Ubuntu 24.04 needs glibc 2.35 or later, and Lambda's
/// provided.al2023 has 2.34; its libcurl and libstdc++ differ from this machine's too. So the
/// zip carries the libraries the binary was linked against, and ``BootstrapPatch`` points the
/// `bootstrap` at them: its ELF interpreter becomes `/var/task/lib/ld-linux-….so.2` (the
/// loader that came with this machine's libc) and its run path `/var/task/lib`, as `DT_RPATH`,
/// which the loader searches before `LD_LIBRARY_PATH` (Lambda's starts with `/lib64`) for the
/// executable and every library it loads. Nothing is then taken from the runtime's library
/// directories; `docs/deploying.md` tells the whole story and how the tests prove it.
struct LambdaLibraries: Sendable {
    /// A library to bundle.
    struct Library: Sendable, Equatable {
        /// The name the loader looks for, e.g. `libcurl.so.4`: the file's name in `lib/`.
        var soname: String
        /// Where it is on this machine (symbolic links resolved).
        var path: URL
        /// Whether the file names its own search path, which must then be pointed at `lib/`
        /// too: a `DT_RUNPATH` of its own would make the loader search `LD_LIBRARY_PATH`
        /// before the executable's run path for this library's dependencies.
        var hasSearchPath = false
    }

    /// Where the zip's `lib/` is at run time: Lambda unpacks the function's code at `/var/task`
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    static let runtimeDirectory = "/var/task/lib"

    /// The dynamic loader the executable names (`PT_INTERP`); `nil` for a static executable.
    var loader: Library?
    /// Every library the loader loads for the executable, in a stable order (by soname).
    var bundled: [Library] = []
    /// Things that do not stop the zip but are worth knowing.
    var warnings: [String] = []

    /// Everything that goes into `lib/`: the loader and the libraries.
    var all: [Library] { (loader.map { [$0] } ?? []) + bundled }

    /// The plan for `executable`. `locate` lists where this machine's loader finds each
    /// library the executable links, directly or not (see ``ldd(_:)``); it is called only for
    /// a dynamically linked ELF executable.
    init(executable: URL, locate: (URL) throws -> [String: URL]) throws {
        let root: ELFDependencies
        do {
            root = try Self.dependencies(of: executable)
        } catch ELFDependencies.ReadError.notELF {
            // A script bootstrap (`#!/bin/sh` …) is valid for a custom runtime and links nothing.
            warnings.append("\(executable.lastPathComponent) is not an ELF executable: no shared libraries to bundle")
            return
        }
        guard let interpreter = root.interpreter else {
            warnings.append("\(executable.lastPathComponent) is statically linked: no shared libraries to bundle")
            return
        }
        let loaderPath = URL(fileURLWithPath: interpreter).resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: loaderPath.path) else {
            throw PackageError("\(executable.lastPathComponent) names the loader \(interpreter), which is not on this machine")
        }
        loader = Library(soname: URL(fileURLWithPath: interpreter).lastPathComponent, path: loaderPath)

        let located = try locate(executable)
        var missing: [String] = []
        var queue = root.neededLibraries
        var seen: Set<String> = [loader!.soname]
        while !queue.isEmpty {
            let soname = queue.removeFirst()
            guard seen.insert(soname).inserted else { continue }
            guard let path = located[soname] else {
                missing.append(soname)
                continue
            }
            let dependencies = try Self.dependencies(of: path)
            bundled.append(Library(soname: soname, path: path, hasSearchPath: dependencies.hasSearchPath))
            queue += dependencies.neededLibraries
        }
        guard missing.isEmpty else {
            throw PackageError("\(missing.sorted().joined(separator: ", ")) needed by \(executable.lastPathComponent) but not found on this machine, so it cannot be bundled")
        }
        bundled.sort { $0.soname < $1.soname }
    }

    /// The dependencies of `url`; a malformed file is reported with its path.
    private static func dependencies(of url: URL) throws -> ELFDependencies {
        do {
            return try ELFDependencies(contentsOf: url)
        } catch let error as ELFDependencies.ReadError where error != .notELF {
            throw PackageError("\(url.path): \(error)")
        }
    }

    /// Where this machine's loader finds each library `executable` links, directly or not, as
    /// `ldd` reports it (`libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x…)`); a
    /// library it cannot find (`=> not found`) is left out.
    static func ldd(_ executable: URL) throws -> [String: URL] {
        let text = try HostTool.run(["ldd", executable.path])
        var paths: [String: URL] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/") else { continue }
            paths[String(parts[0])] = URL(fileURLWithPath: String(parts[2])).resolvingSymlinksInPath()
        }
        return paths
    }
}

/// A `bootstrap` made to run with the libraries of its zip: a copy of the executable without its
/// debug information, whose ELF interpreter and run path point into `/var/task/lib`, and copies of the bundled libraries
/// that have a search path of their own, pointed there too; all set with
/// [patchelf](https://github.com/NixOS/patchelf) (Debian's `patchelf` package). The copies live
/// in a folder of their own, removed with this value's ``remove()``.
struct BootstrapPatch {
    /// The patched executable.
    let bootstrap: URL
    /// The libraries to zip, patched where they needed it.
    let libraries: [LambdaLibraries.Library]
    private let folder: URL

    /// Copies and patches `executable` and those of `libraries` that need it. An executable
    /// with no loader (a script, a static binary) is zipped as it is.
    init(executable: URL, libraries: LambdaLibraries) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("local-runner-package-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            guard let loader = libraries.loader else {
                bootstrap = executable
                self.libraries = libraries.bundled
                return
            }
            let directory = LambdaLibraries.runtimeDirectory
            bootstrap = folder.appendingPathComponent("bootstrap")
            try FileManager.default.copyItem(at: executable, to: bootstrap)
            // The debug information stays in the build folder: nothing on Lambda reads it, and it
            // is a fifth of a release bootstrap's zipped size (docs/deploying.md). The symbol
            // table stays, so a backtrace or a profile of a deployed bootstrap still names functions.
            try HostTool.run(["strip", "--strip-debug", bootstrap.path])
            // --force-rpath: DT_RPATH, searched before LD_LIBRARY_PATH and used for the
            // dependencies of every library; patchelf's default, DT_RUNPATH, is neither.
            try HostTool.run([
                "patchelf", "--set-interpreter", "\(directory)/\(loader.soname)", "--force-rpath", "--set-rpath", directory,
                bootstrap.path,
            ])
            var patched: [LambdaLibraries.Library] = []
            for library in libraries.bundled {
                guard library.hasSearchPath else {
                    patched.append(library)
                    continue
                }
                let copy = folder.appendingPathComponent(library.soname)
                try FileManager.default.copyItem(at: library.path, to: copy)
                try HostTool.run(["patchelf", "--force-rpath", "--set-rpath", directory, copy.path])
                patched.append(LambdaLibraries.Library(soname: library.soname, path: copy, hasSearchPath: true))
            }
            self.libraries = [loader] + patched
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

    /// Removes the patched copies.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Runs a tool of this machine to completion and returns its standard output.
enum HostTool {
    /// Runs `arguments` (the tool found on `PATH`); throws with the tool's own words when it
    /// cannot start or exits non-zero.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        // Standard error goes to a file, so a chatty tool can never fill a pipe nobody reads.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("local-runner-tool-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw PackageError("cannot create \(errorFile.path)")
        }
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        defer { try? errors.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PackageError("cannot run \(arguments[0]): \(error.localizedDescription)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = ((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let hint = process.terminationStatus == 127 ? " (not installed? `make deps` installs what packaging needs)" : ""
            throw PackageError("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)\(hint): \(detail)")
        }
        return text
    }
}
