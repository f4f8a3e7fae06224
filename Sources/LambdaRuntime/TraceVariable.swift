#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `_X_AMZN_TRACE_ID` in the process's environment, written into one buffer of the loop's own.
///
/// `setenv` cannot do this without growing the process: glibc copies each value into a string it
/// never frees (a caller of `getenv` may still hold the old one) and keeps every string it made in
/// a search tree, to reuse it when the same value comes again. A trace header differs in every
/// invocation, so each one cost a worker ~140 bytes for good: a million `setenv`s of distinct
/// headers grow a C program by 139 MiB.
///
/// Here the variable's entry is a buffer handed to `putenv`, which puts the pointer itself into
/// `environ`, and each value is written over the last while it fits. A longer value gets a buffer
/// twice as large; the ones left behind (still possibly held by someone's `getenv`) add up to less
/// than twice the longest value.
///
/// Not thread-safe, like `setenv`: the loop uses it only between invocations of a process that
/// serves one at a time, when no handler runs.
final class TraceVariable {
    /// `_X_AMZN_TRACE_ID=`, the start of the entry.
    private static let prefix = Array((LambdaRuntime.traceIDVariable + "=").utf8)
    /// The entry: the prefix, the value and its NUL; `nil` until the first value.
    private var entry: UnsafeMutablePointer<UInt8>?
    /// How many bytes `entry` holds.
    private var capacity = 0
    /// Whether the variable may be set: by this loop, or inherited from the environment.
    private var isSet: Bool

    /// The variable as the process found it.
    init() {
        isSet = getenv(LambdaRuntime.traceIDVariable) != nil
    }

    /// Sets the variable to `traceID`, or removes it for `nil`, so that no invocation ever sees
    /// the trace header of an earlier one.
    func export(_ traceID: String?) {
        if let traceID { set(traceID) } else { remove() }
    }

    /// Sets the variable to `value`.
    func set(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            let needed = Self.prefix.count + bytes.count + 1
            let entry: UnsafeMutablePointer<UInt8>
            // Whether `environ` holds our entry now: nobody removed or replaced it since.
            let inEnvironment: Bool
            if let current = self.entry, needed <= capacity {
                entry = current
                inEnvironment = getenv(LambdaRuntime.traceIDVariable).map(UnsafeRawPointer.init) == UnsafeRawPointer(current + Self.prefix.count)
            } else {
                capacity = max(needed, 2 * capacity, 128)
                entry = .allocate(capacity: capacity)
                entry.update(from: Self.prefix, count: Self.prefix.count)
                self.entry = entry
                inEnvironment = false
            }
            let valueStart = entry + Self.prefix.count
            if let base = bytes.baseAddress { valueStart.update(from: base, count: bytes.count) }
            valueStart[bytes.count] = 0
            // putenv keeps the pointer: from now on the entry is ours to overwrite.
            if !inEnvironment, entry.withMemoryRebound(to: CChar.self, capacity: needed, { putenv($0) }) != 0 {
                // Out of memory for `environ` itself: better no trace header than a stale one.
                unsetenv(LambdaRuntime.traceIDVariable)
                isSet = false
                return
            }
            isSet = true
        }
    }

    /// Removes the variable, if it may be set.
    func remove() {
        // Removing a variable that is not there still costs unsetenv's lock and scan, for
        // every invocation without a trace header.
        guard isSet else { return }
        unsetenv(LambdaRuntime.traceIDVariable)
        isSet = false
    }
}
