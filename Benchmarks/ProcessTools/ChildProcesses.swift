#if canImport(Glibc)
import Glibc
#endif

/// The processes a benchmark has started and must stop, also when it is interrupted.
///
/// A benchmark stops what it starts on every path it controls (`defer`, error paths); this
/// registry covers the one it does not: SIGINT, SIGTERM or SIGHUP arriving mid-run. The handler
/// sends each registered process its stop signal and exits. Only async-signal-safe work happens
/// there (`kill`, `_exit`), reading a fixed table of plain integers, which is why the table is
/// raw memory and not a Swift collection or a lock.
public enum ChildProcesses {
    /// Slots of `(pid << 8) | signal`, 0 when free.
    private static let capacity = 256
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Int64> = {
        let slots = UnsafeMutablePointer<Int64>.allocate(capacity: 256)
        slots.initialize(repeating: 0, count: 256)
        return slots
    }()

    /// Installs the handler for SIGINT, SIGTERM and SIGHUP; call once, first thing.
    public static func installSignalHandlers() {
        _ = slots
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                for index in 0..<ChildProcesses.capacity {
                    let entry = ChildProcesses.slots[index]
                    if entry != 0 {
                        kill(pid_t(truncatingIfNeeded: entry >> 8), Int32(entry & 0xFF))
                    }
                }
                _exit(128 + received)
            }
        }
    }

    /// Registers `pid` to receive `signal` if the benchmark is interrupted: SIGKILL for an
    /// emulator and its bootstrap, SIGTERM for `local-runner serve`, which then stops its
    /// workers itself. Called from one thread at a time (the benchmark's main thread).
    public static func register(_ pid: pid_t, stopSignal: Int32) {
        for index in 0..<capacity where slots[index] == 0 {
            slots[index] = Int64(pid) << 8 | Int64(stopSignal)
            return
        }
    }

    /// Forgets `pid` once it has been stopped and waited for.
    public static func unregister(_ pid: pid_t) {
        for index in 0..<capacity where slots[index] != 0 && pid_t(truncatingIfNeeded: slots[index] >> 8) == pid {
            slots[index] = 0
        }
    }
}
