import QuizBootstrap

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sources `serve --watch` watches: `Sources/`, `functions/` and `Package.swift` of a
/// package, read by polling (docs/local-runner.md, "Watching the sources").
///
/// Polling rather than inotify: a scan is one `lstat` per file (the repository has a few
/// hundred, well under a millisecond), it sees every way an editor saves (in place, by rename,
/// through a new directory) with no watch to add for each new folder, it has no per-user watch
/// limit to run into, and it is the same code on Linux and macOS. Half a second between scans
/// is nothing next to the build that follows a change.
struct SourceTree: Sendable {
    /// The package's folder.
    let root: String

    /// What is watched, relative to the root.
    static let watched = ["Sources", "functions", "Package.swift"]

    /// A file as a scan saw it: a change to any of these is a change to the file.
    struct Stamp: Sendable, Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    /// Every watched file, by path relative to the root.
    typealias Snapshot = [String: Stamp]

    /// Reads the stamp of every file under the watched paths; hidden files and folders (an
    /// editor's swap files, `.DS_Store`) are left out.
    func scan() -> Snapshot {
        var snapshot: Snapshot = [:]
        for path in Self.watched { visit(path, into: &snapshot) }
        return snapshot
    }

    private func visit(_ relative: String, into snapshot: inout Snapshot) {
        let full = root + "/" + relative
        var status = stat()
        guard lstat(full, &status) == 0 else { return }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            guard let directory = opendir(full) else { return }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard !name.hasPrefix(".") else { continue }
                visit(relative + "/" + name, into: &snapshot)
            }
            return
        }
        #if canImport(Darwin)
        let modified = Int64(status.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(status.st_mtimespec.tv_nsec)
        #else
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        #endif
        snapshot[relative] = Stamp(inode: UInt64(status.st_ino), size: Int64(status.st_size), modified: modified)
    }

    /// The paths added, removed or changed between two scans, sorted.
    static func changes(from old: Snapshot, to new: Snapshot) -> [String] {
        var changed = new.compactMap { path, stamp in old[path] == stamp ? nil : path }
        changed += old.keys.filter { new[$0] == nil }
        return changed.sorted()
    }

    /// The functions whose bootstraps a change to these paths may change: a function's own
    /// folder (`functions/answer/…`) only its own, anything else (a shared target, the
    /// manifest) every function.
    static func affectedFunctions(_ paths: [String]) -> [FunctionName] {
        var affected: Set<FunctionName> = []
        for path in paths {
            let parts = path.split(separator: "/", maxSplits: 2)
            if parts.count == 3, parts[0] == "functions", let function = FunctionName(rawValue: String(parts[1])) {
                affected.insert(function)
            } else {
                return FunctionName.allCases
            }
        }
        return FunctionName.allCases.filter(affected.contains)
    }
}
