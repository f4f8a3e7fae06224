import Foundation
import ZIPFoundation

/// One function's deployment package: the executable as `bootstrap` and any bundled shared
/// libraries under `lib/`, as a custom runtime wants them
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html).
struct LambdaZip: Sendable {
    /// Lambda's limit on a function's code, unzipped
    /// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    static let unzippedLimit: Int64 = 262_144_000

    /// Every entry's modification time. A fixed one makes the zip a function of its contents
    /// alone, so an unchanged function packs to the same bytes and `sam deploy`, which names
    /// uploads by their MD5, leaves it alone.
    static let timestamp = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z

    /// One file in the zip.
    struct Entry: Sendable, Equatable {
        /// The path inside the zip.
        var path: String
        /// The file on this machine.
        var source: URL
        /// The unix mode stored with it.
        var permissions: UInt16
    }

    /// The files, `bootstrap` first.
    var entries: [Entry]

    /// `bootstrap` (0755: Lambda runs it directly, and the mode is all that makes it executable
    /// once unzipped) and `lib/<soname>` for each library (0755, as shared objects are installed).
    init(bootstrap: URL, libraries: [LambdaLibraries.Library]) {
        entries = [Entry(path: "bootstrap", source: bootstrap, permissions: 0o755)]
        entries += libraries.map { Entry(path: "lib/\($0.soname)", source: $0.path, permissions: 0o755) }
    }

    /// What the files add up to unzipped.
    func unzippedSize() throws -> Int64 {
        try entries.reduce(0) { total, entry in total + (try Self.size(of: entry.source)) }
    }

    /// Writes the zip to `destination`, replacing what is there only once the new one is
    /// complete, and returns its size in bytes.
    @discardableResult
    func write(to destination: URL) throws -> Int64 {
        let unzipped = try unzippedSize()
        guard unzipped <= Self.unzippedLimit else {
            throw PackageError(
                "\(destination.lastPathComponent) would unzip to \(unzipped) bytes, over Lambda's limit of \(Self.unzippedLimit)")
        }
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        try? FileManager.default.removeItem(at: partial)
        defer { try? FileManager.default.removeItem(at: partial) }

        let archive = try Archive(url: partial, accessMode: .create)
        for entry in entries {
            let handle = try FileHandle(forReadingFrom: entry.source)
            defer { try? handle.close() }
            // Entries are written from an explicit mode (ZIPFoundation then records "made by
            // unix" and the mode in the external attributes), not from the source file's own
            // mode, which depends on how it was built or copied.
            try archive.addEntry(
                with: entry.path, type: .file, uncompressedSize: try Self.size(of: entry.source), modificationDate: Self.timestamp,
                permissions: entry.permissions, compressionMethod: .deflate
            ) { position, chunkSize in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: chunkSize) ?? Data()
            }
        }
        if FileManager.default.fileExists(atPath: destination.path) {
            _ = try FileManager.default.replaceItemAt(destination, withItemAt: partial)
        } else {
            try FileManager.default.moveItem(at: partial, to: destination)
        }
        return try Self.size(of: destination)
    }

    private static func size(of url: URL) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        guard let size = attributes[.size] as? NSNumber else { throw PackageError("cannot read the size of \(url.path)") }
        return size.int64Value
    }
}

/// A packaging failure, told to the user as it is.
struct PackageError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
