import Foundation

/// Which shared libraries a `bootstrap` can take from Lambda's provided.al2023 runtime and which
/// its zip must carry in `lib/` (Lambda puts `/var/task/lib` on `LD_LIBRARY_PATH`:
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
///
/// `swift build --static-swift-stdlib` puts the Swift runtime and Foundation inside the binary;
/// what stays dynamic is glibc, the C++ runtime, libcurl (the Runtime API and DynamoDB clients)
/// and libsqlite3 (the SQLite backend). provided.al2023 is the AL2023 minimal image: glibc 2.34,
/// gcc 11's libgcc and libstdc++, `libcurl-minimal` (HTTP and HTTPS are all this product uses),
/// `openssl-libs`, `zlib`, and `sqlite-libs`, which its package manager (microdnf, through libdnf) links
/// (https://docs.aws.amazon.com/linux/al2023/ug/minimal-container.html). Anything else the
/// binary links is copied into `lib/`, with whatever it links in turn.
struct LambdaLibraries: Sendable {
    /// A library to bundle.
    struct Library: Sendable, Equatable {
        /// The name the loader looks for, e.g. `libfoo.so.1`.
        var soname: String
        /// Where it is on this machine.
        var path: URL
    }

    /// glibc's own libraries: never bundled, they only work with the loader of the same glibc.
    static let glibc: Set<String> = [
        "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1", "libresolv.so.2",
        "libanl.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
    ]

    /// Every soname provided.al2023 has.
    static let providedByRuntime: Set<String> = glibc.union([
        "libgcc_s.so.1", "libstdc++.so.6", "libcurl.so.4", "libssl.so.3", "libcrypto.so.3", "libz.so.1", "libsqlite3.so.0",
    ])

    /// The newest symbol version provided.al2023 defines, per version family: glibc 2.34 and
    /// gcc 11's libstdc++ (GLIBCXX_3.4.29, CXXABI_1.3.13). A binary that needs a newer one fails
    /// to start with "version `GLIBC_2.35' not found".
    static let newestRuntimeVersions: [String: [Int]] = ["GLIBC_": [2, 34], "GLIBCXX_": [3, 4, 29], "CXXABI_": [1, 3, 13]]

    /// The libraries to copy into `lib/`, in the order they were found.
    var bundled: [Library] = []
    /// Things that do not stop the zip but are worth knowing.
    var warnings: [String] = []

    /// The plan for `executable`: which libraries to bundle (those provided.al2023 lacks, plus
    /// `alsoBundle`), checked against the runtime's symbol versions. `locate` finds a soname on
    /// this machine (see ``ldd(_:)``); it is only called when something has to be bundled.
    init(executable: URL, alsoBundle: Set<String> = [], locate: (String) throws -> URL?) throws {
        let root: ELFDependencies
        do {
            root = try Self.dependencies(of: executable)
        } catch ELFDependencies.ReadError.notELF {
            // A script bootstrap (`#!/bin/sh` …) is valid for a custom runtime and links nothing.
            warnings.append("\(executable.lastPathComponent) is not an ELF executable: no shared libraries to check")
            return
        }
        if let glibcOnly = alsoBundle.first(where: Self.glibc.contains) {
            throw PackageError("\(glibcOnly) is part of glibc and cannot be bundled: it must match the runtime's loader")
        }

        var checked: [(name: String, dependencies: ELFDependencies)] = [(executable.lastPathComponent, root)]
        var queue = root.neededLibraries
        var seen: Set<String> = []
        while !queue.isEmpty {
            let soname = queue.removeFirst()
            guard seen.insert(soname).inserted else { continue }
            guard !Self.providedByRuntime.contains(soname) || alsoBundle.contains(soname) else { continue }
            guard let path = try locate(soname) else {
                throw PackageError("\(soname) is needed but not installed on this machine, so it cannot be bundled")
            }
            let dependencies = try Self.dependencies(of: path)
            bundled.append(Library(soname: soname, path: path))
            checked.append((soname, dependencies))
            queue += dependencies.neededLibraries
        }
        for unused in alsoBundle.subtracting(seen).sorted() {
            warnings.append("--bundle \(unused): \(executable.lastPathComponent) does not link it; ignored")
        }

        for (name, dependencies) in checked {
            for (family, newest) in Self.newestRuntimeVersions.sorted(by: { $0.key < $1.key }) {
                let needed = dependencies.neededVersions.values.flatMap { $0 }.compactMap { Self.version($0, family: family) }
                guard let highest = needed.max(by: { $0.lexicographicallyPrecedes($1) }), newest.lexicographicallyPrecedes(highest) else {
                    continue
                }
                throw PackageError(
                    """
                        \(name) needs \(family)\(highest.map(String.init).joined(separator: ".")) but provided.al2023 has \
                        \(family)\(newest.map(String.init).joined(separator: ".")) at most, so it would not start there: \
                        build on Amazon Linux 2023 (the swift:6.3-amazonlinux2023 image), whose glibc and libstdc++ \
                        are the runtime's
                        """)
            }
        }
        // Debian builds libcurl with symbol versions (CURL_OPENSSL_4); a library without them
        // still resolves every symbol, the loader only warns once at start.
        for (soname, versions) in root.neededVersions.sorted(by: { $0.key < $1.key })
        where Self.providedByRuntime.contains(soname) && !alsoBundle.contains(soname) {
            let unexpected = versions.filter { version in
                !(Self.newestRuntimeVersions.keys + ["GCC_", "GLIBC_PRIVATE"]).contains { version.hasPrefix($0) }
            }
            guard !unexpected.isEmpty else { continue }
            warnings.append(
                "\(executable.lastPathComponent) asks \(soname) for symbol versions \(unexpected.sorted().joined(separator: ", ")), "
                    + "which this machine's build of it defines; if Amazon Linux's does not, the loader prints "
                    + "\"no version information available\" at each cold start (harmless; build on Amazon Linux to avoid it)")
        }
    }

    /// The ELF dependencies of `url`; a malformed file is reported with its path.
    private static func dependencies(of url: URL) throws -> ELFDependencies {
        do {
            return try ELFDependencies(contentsOf: url)
        } catch let error as ELFDependencies.ReadError where error != .notELF {
            throw PackageError("\(url.path): \(error)")
        }
    }

    /// `[3, 4, 29]` for `GLIBCXX_3.4.29` in family `GLIBCXX_`; `nil` for other families and names like `GLIBC_PRIVATE`.
    static func version(_ name: String, family: String) -> [Int]? {
        guard name.hasPrefix(family) else { return nil }
        let parts = name.dropFirst(family.count).split(separator: ".").map { Int($0) }
        guard !parts.isEmpty, !parts.contains(nil) else { return nil }
        return parts.compactMap { $0 }
    }

    /// Where this machine's loader finds each library `executable` links, directly or not, as
    /// `ldd` reports it (`libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x…)`); a
    /// library it cannot find (`=> not found`) is left out.
    static func ldd(_ executable: URL) throws -> [String: URL] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ldd", executable.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PackageError("ldd \(executable.path) exited with \(process.terminationStatus)")
        }
        var paths: [String: URL] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/") else { continue }
            paths[String(parts[0])] = URL(fileURLWithPath: String(parts[2])).resolvingSymlinksInPath()
        }
        return paths
    }
}
