import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `/proc` says about the processes a benchmark started, and the processes those started:
/// the emulator's bootstrap and the runner's workers are not the benchmark's own children, so
/// they are found through their parent's id.
public enum ProcessTable {
    /// The live (not zombie) children of `parent`, in ascending order.
    public static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let fields = statFields(pid) else { return false }
            return fields.count > 1 && fields[0] != "Z" && pid_t(fields[1]) == parent
        }.sorted()
    }

    /// Whether `pid` is a live process: false once it has exited, zombie or reaped.
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let fields = statFields(pid) else { return false }
        return fields.first != "Z"
    }

    /// The file name of the executable `pid` runs, e.g. `answer-function`.
    public static func executableName(_ pid: pid_t) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")).map {
            URL(fileURLWithPath: $0).lastPathComponent
        }
    }

    /// Resident memory of `pid` from `/proc/PID/status`; `nil` once it has exited.
    public static func memory(of pid: pid_t) -> ResidentMemory? {
        guard let status = procFile("/proc/\(pid)/status") else { return nil }
        func field(_ name: String) -> Int? {
            let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") }
            return line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = field("VmRSS") else { return nil }
        return ResidentMemory(rssKiB: rss, anonymousKiB: field("RssAnon") ?? 0, fileKiB: field("RssFile") ?? 0)
    }

    /// The resident kilobytes of `pid` by mapped file (`[anon]` for memory of no file, `[heap]`,
    /// `[stack]`, …), largest first, from `/proc/PID/smaps`: which libraries a resident set is
    /// made of. Empty once the process has exited.
    public static func residentByMapping(of pid: pid_t) -> [(name: String, kiB: Int)] {
        guard let smaps = procFile("/proc/\(pid)/smaps") else { return [] }
        var totals: [String: Int] = [:]
        var current = "[anon]"
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                // address perms offset dev inode [path]
                current = fields.count > 5 ? String(fields[5].split(separator: "/").last ?? fields[5]) : "[anon]"
            } else if first == "Rss:", fields.count > 1, let kiB = Int(fields[1]) {
                totals[current, default: 0] += kiB
            }
        }
        return totals.map { (name: $0.key, kiB: $0.value) }.sorted { $0.kiB > $1.kiB }
    }

    /// Waits until none of `pids` is alive; false if some still are at the limit.
    public static func waitUntilGone(_ pids: [pid_t], within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while pids.contains(where: isAlive), ContinuousClock.now < deadline {
            usleep(10_000)
        }
        return !pids.contains(where: isAlive)
    }

    /// The fields of `/proc/PID/stat` after `pid (comm)`: state, parent, …
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = procFile("/proc/\(pid)/stat"), let end = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: end)...].split(separator: " ")
    }

    /// A `/proc` file's whole text, read to the end: such files report a size of 0.
    public static func procFile(_ path: String) -> String? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        return (try? file.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A process's resident set, as `/proc/PID/status` splits it.
public struct ResidentMemory: Sendable {
    /// `VmRSS`: every resident page, shared library pages included.
    public var rssKiB: Int
    /// `RssAnon`: the process's own heap and stacks.
    public var anonymousKiB: Int
    /// `RssFile`: resident pages of mapped files, mostly the executable and shared libraries.
    public var fileKiB: Int

    /// `VmRSS` in MiB.
    public var rssMiB: Double { Double(rssKiB) / 1024 }

    /// `VmRSS 17.5 MiB (anon 2.1, file 15.4)`.
    public var description: String {
        String(format: "VmRSS %.1f MiB (RssAnon %.1f, RssFile %.1f)", rssMiB, Double(anonymousKiB) / 1024, Double(fileKiB) / 1024)
    }
}

/// Loopback ports.
public enum LoopbackPort {
    /// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, released.
    public static func free() throws(ToolFailure) -> Int {
        let (descriptor, port) = try bind(listening: false)
        close(descriptor)
        return port
    }

    /// A socket bound to a port of the kernel's choosing on 127.0.0.1, listening when
    /// `listening` (a backlog of 8), and that port. The caller closes the descriptor.
    public static func bind(listening: Bool) throws(ToolFailure) -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ToolFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                    && (!listening || listen(descriptor, 8) == 0)
            }
        }
        guard ready else {
            let failure = errno
            close(descriptor)
            throw ToolFailure("bind\(listening ? "/listen" : "") on 127.0.0.1:0: errno \(failure)")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now.
    public static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
