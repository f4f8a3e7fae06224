import Foundation
import QuizBootstrap

/// The sources `serve --watch` watches: `Sources/`, `functions/` and `Package.swift` of a
/// package, read by polling (docs/local-runner.md, "Watching the sources").
///
/// Polling rather than inotify: a scan reads each file's attributes (the repository's ~200
/// files take ~4 ms of CPU, under 1% of a core every half second), it sees every way an editor
/// saves (in place, by rename, through a new directory) with no watch to add for each new
/// folder, it has no per-user watch limit to run into, and it is the same code on Linux and
/// macOS. Half a second between scans is nothing next to the build that follows a change.
struct SourceTree: Sendable {
    /// The package's folder.
    let root: String

    /// What is watched, relative to the root.
    static let watched = ["Sources", "functions", "Package.swift"]

    /// A file as a scan saw it: a change to any of these is a change to the file.
    struct Stamp: Sendable, Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Date

        /// The stamp in `FileManager` attributes.
        init(_ attributes: [FileAttributeKey: Any]) {
            inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
            size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            modified = attributes[.modificationDate] as? Date ?? .distantPast
        }
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
        // Read through FileManager rather than `struct stat`, which Glibc, Foundation's and
        // NIO's C modules all declare: which one strict member imports credit with its fields
        // changes with the build configuration.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: full) else { return }
        if attributes[.type] as? FileAttributeType == .typeDirectory {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] where !name.hasPrefix(".") {
                visit(relative + "/" + name, into: &snapshot)
            }
            return
        }
        snapshot[relative] = Stamp(attributes)
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
