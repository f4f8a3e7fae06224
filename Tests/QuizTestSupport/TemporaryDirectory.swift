import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder of its own for one test, created empty under the system's temporary folder and
/// removed with everything in it when the test lets go of the value (as GRDB's test cases do).
public final class TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// A new, empty folder whose name starts with `prefix`.
    public init(prefix: String = "quiz-test") {
        path = Self.create(prefix: prefix)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates a new, empty folder whose name starts with `prefix` (mode 0700, a name no other
    /// process can have taken: `mkdtemp`) and returns its path, for a caller that removes it
    /// itself.
    public static func create(prefix: String) -> String {
        var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let created = mkdtemp(buffer.baseAddress!) else {
                fatalError("mkdtemp failed for \(prefix): errno \(errno)")
            }
            return String(cString: created)
        }
    }
}
