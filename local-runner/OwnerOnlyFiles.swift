import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folders and files that hold learners' data or secrets, readable by their owner only from the
/// first byte: folders are made with mode 0700, files written with 0600 under an exclusive
/// create, never made first and restricted after (docs/local-runner.md, "Files").
enum OwnerOnlyFiles {
    /// Why a folder or file could not be made.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes the folder `path` and any missing parent with mode 0700. An existing `path` of
    /// this user that others may read or enter is restricted to 0700, and said so on standard
    /// error: data written there by an earlier version stays private from now on.
    static func folder(_ path: String) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") where !component.isEmpty {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create folder \(current): \(String(cString: strerror(errno)))")
            }
        }
        guard let status = Self.status(of: path), status.isFolder else {
            throw Failure(description: "\(path) is not a folder")
        }
        if status.owner == getuid(), status.mode & 0o077 != 0 {
            guard chmod(path, 0o700) == 0 else {
                throw Failure(description: "cannot restrict \(path) to its owner: \(String(cString: strerror(errno)))")
            }
            printError("local-runner: \(path) was open to other users; it is now readable by its owner only (0700)")
        }
    }

    /// Writes `contents` to a new file `path` with mode 0600, if no file is there yet; `false`
    /// when one already was (it is left as it is).
    ///
    /// The bytes go to a temporary file made with `O_EXCL` and mode 0600, which is then linked
    /// to `path`: `link` fails when `path` exists, so of two processes racing, exactly one
    /// creates the file, and no reader ever sees it half written.
    static func createExclusively(_ path: String, contents: [UInt8]) throws(Failure) -> Bool {
        var random = SystemRandomNumberGenerator()
        let temporary = "\(path).\(getpid()).\(String(random.next() as UInt64, radix: 36)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        defer { unlink(temporary) }
        var written = 0
        let complete = contents.withUnsafeBytes { bytes in
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                written += count
            }
            return fsync(descriptor) == 0
        }
        close(descriptor)
        guard complete else { throw Failure(description: "cannot write \(temporary)") }
        if link(temporary, path) == 0 { return true }
        guard errno == EEXIST else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        return false
    }

    /// The permission bits of `path`, `nil` when it does not exist.
    static func mode(of path: String) -> mode_t? {
        status(of: path)?.mode
    }

    /// What `stat(2)` says of `path` (following symbolic links): its permission bits, owner,
    /// and whether it is a folder; `nil` when it does not exist.
    ///
    /// Read through `FileManager` rather than `struct stat`: Glibc and Foundation's C modules
    /// both declare that struct, and which of them the compiler credits with its fields depends
    /// on the order it loads them, which strict member-import checking then trips over.
    private static func status(of path: String) -> (mode: mode_t, owner: uid_t, isFolder: Bool)? {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target),
            let permissions = attributes[.posixPermissions] as? NSNumber, let owner = attributes[.ownerAccountID] as? NSNumber
        else { return nil }
        return (mode_t(permissions.uint32Value & 0o7777), uid_t(owner.uint32Value), attributes[.type] as? FileAttributeType == .typeDirectory)
    }
}

/// The random HS256 secret kept in the data directory when `QUIZ_JWT_SECRET` is not set.
enum LocalSecret {
    /// The secret in `directory/jwt-secret`, created the first time: 256 random bits as 64 hex
    /// digits, in a 0600 file in a 0700 folder.
    ///
    /// - Throws: `ValidationError` for a stored secret shorter than 32 bytes, as for a short
    ///   `QUIZ_JWT_SECRET`.
    static func stored(in directory: String) throws -> String {
        try OwnerOnlyFiles.folder(directory)
        let path = "\(directory)/jwt-secret"
        if let existing = try read(path) { return existing }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        if try OwnerOnlyFiles.createExclusively(path, contents: Array(secret.utf8)) { return secret }
        // Another process made it first: use theirs.
        guard let existing = try read(path) else { throw OwnerOnlyFiles.Failure(description: "cannot read \(path)") }
        return existing
    }

    /// The secret stored at `path`, `nil` when there is no file.
    private static func read(_ path: String) throws -> String? {
        // Opened once, so "no file" is told apart from "cannot read" by the open's own error: a
        // look for the file after a failed read would see one that another process linked there
        // in between, and report a file it never failed to read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            guard errno == ENOENT else { throw OwnerOnlyFiles.Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
            return nil
        }
        defer { close(descriptor) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw OwnerOnlyFiles.Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            data.append(contentsOf: buffer[..<count])
            guard data.count <= 65_536 else { throw OwnerOnlyFiles.Failure(description: "\(path) is too large to be a secret") }
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= LocalTokens.minimumSecretBytes else {
            throw ValidationError(
                "\(path) holds a secret shorter than \(LocalTokens.minimumSecretBytes) bytes: delete it (a new one is made) "
                    + "or set QUIZ_JWT_SECRET")
        }
        if let mode = OwnerOnlyFiles.mode(of: path), mode & 0o077 != 0 {
            guard chmod(path, 0o600) == 0 else { throw OwnerOnlyFiles.Failure(description: "cannot restrict \(path) to its owner") }
            printError("local-runner: \(path) was readable by other users; it is now readable by its owner only (0600)")
        }
        return secret
    }
}

/// `read(2)`, under a name no method shadows.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
