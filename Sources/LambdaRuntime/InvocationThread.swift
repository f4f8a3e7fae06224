#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of its own that runs the runtime loop and, through task-executor preference, the
/// handler's code: one ``TaskExecutor`` that runs the jobs enqueued on it, in order, on a single
/// thread.
///
/// It exists to take two thread hops out of every invocation. When the loop ran on the main
/// actor, each invocation went main actor → cooperative pool (the handler is a nonisolated async
/// function) → main actor (the loop again): two futex wake-ups and two context switches, about
/// 100–200 µs per invocation on a busy two-core host, as much as the whole Runtime API round trip
/// of a C loop (measured with `quiz-runtime-bench`). Under
/// `Task(executorPreference: InvocationThread())`, the nonisolated loop and the nonisolated
/// handler both run here, so calling the handler is a plain call; a hop happens only when the
/// handler really waits for something, and then only back to this thread.
///
/// The blocking Runtime API calls also run here, so they never occupy a thread of Swift's
/// cooperative pool, which stays free for whatever the handler hands to other executors
/// (unstructured tasks, actors). Structured child tasks of the handler (`async let`, task
/// groups) inherit the preference and run here too, one at a time: a loop serves one invocation
/// at a time (several loops have a thread each), and on a 1-vCPU function the pool would have one
/// thread anyway.
///
/// The thread lives as long as the process: the runtime never stops serving until it exits.
/// The package's benchmarks run their measured loops on one too, so that they call the handlers
/// as a bootstrap does.
package final class InvocationThread: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `pending` and `spare` are touched only with `mutex` held (enqueue,
    // the drain loop's swap); the pthread objects are created once and never freed.

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Jobs enqueued and not yet taken by the thread.
    private var pending: [UnownedJob] = []
    /// The thread's batch, swapped with `pending` so that draining allocates nothing.
    private var spare: [UnownedJob] = []

    /// Starts the thread; it waits for jobs.
    package convenience init() {
        self.init(startingThread: true)
    }

    /// An executor for the calling thread, which must then call ``drain()`` and so never
    /// return: the bootstrap's main thread, which has nothing else to do.
    static func current() -> InvocationThread {
        InvocationThread(startingThread: false)
    }

    private init(startingThread: Bool) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
        pending.reserveCapacity(16)
        spare.reserveCapacity(16)
        guard startingThread else { return }

        // The thread keeps the executor alive: retained here, never released.
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<InvocationThread>.fromOpaque(context).takeUnretainedValue().drain()
        }, context)
        precondition(created == 0, "LambdaRuntime: pthread_create failed with \(created)")
        pthread_detach(thread)
    }

    /// Queues `job` and wakes the thread.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        pending.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The thread's body: runs every job in the order enqueued, waiting when there is none.
    func drain() -> Never {
        let executor = asUnownedTaskExecutor()
        while true {
            pthread_mutex_lock(mutex)
            while pending.isEmpty {
                pthread_cond_wait(condition, mutex)
            }
            swap(&pending, &spare)
            pthread_mutex_unlock(mutex)
            for job in spare {
                job.runSynchronously(on: executor)
            }
            spare.removeAll(keepingCapacity: true)
        }
    }
}
