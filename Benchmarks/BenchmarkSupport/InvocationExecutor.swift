import Foundation

/// A thread that runs a benchmark's measured loop and, through task-executor preference, the
/// code it calls: the way a Lambda bootstrap runs its loop and handler (the runtime's
/// `InvocationThread`, which is internal to `LambdaRuntime`). Jobs run in the order they are
/// enqueued, on this one thread.
///
/// It matters to the figures: code on a thread of its own calls SQLite on that thread when the
/// store's connection is free (docs/storage-threads.md), where code on the cooperative pool
/// hands every call to the store's threads and back.
public final class InvocationExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `pending` is touched only with `condition` locked.
    private let condition = NSCondition()
    private var pending: [UnownedJob] = []

    /// Starts the thread; it waits for jobs.
    public init() {
        let thread = Thread { [self] in drain() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues `job` and wakes the thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        pending.append(job)
        condition.signal()
        condition.unlock()
    }

    private func drain() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
        }
    }
}
