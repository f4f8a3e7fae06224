import Foundation

/// Finding the executables a benchmark runs: the products `swift build -c release` put in the
/// same directory as the benchmark itself, so a benchmark always measures binaries of the same
/// build configuration as its own, never a stale debug build found on `PATH`.
public enum Executables {
    /// The directory of the running executable (`/proc/self/exe`, else `argv[0]`), symlinks
    /// resolved: `.build/x86_64-unknown-linux-gnu/release` for a release build.
    public static let directory: URL = {
        let executable =
            FileManager.default.fileExists(atPath: "/proc/self/exe")
            ? URL(fileURLWithPath: "/proc/self/exe") : URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    /// The executable product `name` beside this one; throws a failure that says how to build
    /// it when it is missing.
    public static func product(_ name: String) throws(ToolFailure) -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ToolFailure(
                "no executable \(name) in \(directory.path): build it in the same configuration "
                    + "(`swift build -c release --product \(name)`), or run `make bench-runtime` / `make bench-serve`")
        }
        return path
    }
}

/// Why a benchmark could not run or measure: printed to standard error, exit status 2.
public struct ToolFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Writes `text` and a newline to standard error.
public func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
