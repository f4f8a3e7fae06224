#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads of a backend's own for its blocking calls (SQLite, libcurl), each with a resource of
/// its own (a database connection, an HTTP client) that no other thread ever touches.
///
/// An `async` caller hands a job to ``run(_:)`` and suspends; a thread of the pool runs it with
/// its resource and resumes the caller by continuation. So a call that blocks, for microseconds
/// or for the seconds of a busy timeout or a slow network, blocks one of these threads and never
/// the caller's: not a thread of Swift's cooperative pool, and not the Lambda runtime's
/// invocation thread, which runs the handler and every child task it starts. The design is
/// GRDB's (a serialized writer queue and a pool of readers) and what SwiftNIO's `NIOThreadPool`
/// does for blocking file I/O; docs/storage-threads.md explains how the backends use it.
///
/// Threads start on demand, up to `maximumThreads`: a process that makes one call at a time
/// starts one. Jobs run in the order they were handed over. A thread opens its resource with
/// `open` when it first needs one (or takes one of the `resources` given at init); a failed open
/// fails that job and is tried again for the next. The threads end, closing their resources,
/// once the pool is released and its queue is empty.
public final class BackendThreads<Resource>: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is in `Core`, behind its mutex; a resource is only
    // ever touched by the one thread that holds it.

    private let core: Core

    /// A pool of at most `maximumThreads` threads, with `resources` to hand to the first threads
    /// and `open` for the others.
    public init(
        maximumThreads: Int, resources: sending [Resource] = [], open: @escaping @Sendable () throws(TableError) -> Resource
    ) {
        core = Core(maximumThreads: max(1, maximumThreads), resources: resources, open: open)
    }

    deinit {
        core.shutDown()
    }

    /// Runs `body` with a thread's resource on that thread, and returns what it returns.
    ///
    /// The caller suspends until then, whatever its executor; `body` must not wait for another
    /// job of the same pool (the thread it needs might be the one it holds).
    public func run<Value: Sendable>(
        _ body: @escaping @Sendable (Resource) throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        let result: Result<Value, TableError> = await withUnsafeContinuation { continuation in
            core.enqueue(
                Job { resource in
                    let result = resource.flatMap { resource in Result { () throws(TableError) in try body(resource) } }
                    return { continuation.resume(returning: result) }
                },
                onlyIfIdle: false)
        }
        return try result.get()
    }

    /// Runs `body` as ``run(_:)`` does when a thread is free (idle, or not started yet) and no
    /// job waits; `nil`, without running it, otherwise.
    ///
    /// For work that may go to either of two pools: a read goes to the idle writer thread, so a
    /// process that makes one call at a time keeps one thread and one connection.
    public func runIfIdle<Value: Sendable>(
        _ body: @escaping @Sendable (Resource) throws(TableError) -> Value
    ) async throws(TableError) -> Value? {
        let result: Result<Value, TableError>? = await withUnsafeContinuation { continuation in
            let job = Job { resource in
                let result = resource.flatMap { resource in Result { () throws(TableError) in try body(resource) } }
                return { continuation.resume(returning: result) }
            }
            if !core.enqueue(job, onlyIfIdle: true) { continuation.resume(returning: nil) }
        }
        return try result?.get()
    }

    /// How many threads have started so far.
    public var threadCount: Int {
        core.locked { $0.started }
    }

    // MARK: - Jobs and threads

    /// A job: called once, on a pool thread, with the thread's resource or the error opening it;
    /// returns how to hand its outcome to the caller, which the thread does once it counts as
    /// free again (so a caller that goes on at once finds it free).
    struct Job {
        let body: (Result<Resource, TableError>) -> () -> Void
    }

    /// The queue and the threads, shared by the pool and its threads, which keep it alive until
    /// they end.
    final class Core: @unchecked Sendable {
        struct State {
            var jobs: [Job] = []
            /// The index in `jobs` of the next job to take: removing from the front of an array
            /// would move every other job.
            var next = 0
            var started = 0
            /// Threads running a job; the others are free.
            var running = 0
            var spare: [Resource]
            var shuttingDown = false
        }

        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private let condition: UnsafeMutablePointer<pthread_cond_t>
        private var state: State
        private let maximumThreads: Int
        private let open: @Sendable () throws(TableError) -> Resource

        init(maximumThreads: Int, resources: [Resource], open: @escaping @Sendable () throws(TableError) -> Resource) {
            mutex = .allocate(capacity: 1)
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
            condition = .allocate(capacity: 1)
            condition.initialize(to: pthread_cond_t())
            pthread_cond_init(condition, nil)
            state = State(spare: resources)
            state.jobs.reserveCapacity(16)
            self.maximumThreads = maximumThreads
            self.open = open
        }

        deinit {
            pthread_cond_destroy(condition)
            pthread_mutex_destroy(mutex)
            condition.deallocate()
            mutex.deallocate()
        }

        func locked<Value>(_ body: (inout State) -> Value) -> Value {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body(&state)
        }

        /// Queues `job` and wakes or starts a thread for it; with `onlyIfIdle`, queues it only
        /// when a thread is free with nothing queued, and says whether it did.
        @discardableResult
        func enqueue(_ job: Job, onlyIfIdle: Bool) -> Bool {
            pthread_mutex_lock(mutex)
            let free = state.started - state.running
            if onlyIfIdle, state.next < state.jobs.count || (free == 0 && state.started == maximumThreads) {
                pthread_mutex_unlock(mutex)
                return false
            }
            state.jobs.append(job)
            let waiting = state.jobs.count - state.next
            let startThread = waiting > free && state.started < maximumThreads
            if startThread { state.started += 1 }
            if free > 0 { pthread_cond_signal(condition) }
            pthread_mutex_unlock(mutex)
            if startThread { startThreadRunningJobs() }
            return true
        }

        /// Lets the threads end once the queue is empty.
        func shutDown() {
            pthread_mutex_lock(mutex)
            state.shuttingDown = true
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }

        private func startThreadRunningJobs() {
            // The thread keeps the core alive through its start routine until it ends.
            let context = Unmanaged.passRetained(ThreadStart { self.runJobs() }).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, context)
            guard created == 0 else {
                // No thread: the job waits for one of the others, or, with none, fails now
                // rather than waiting for ever.
                Unmanaged<ThreadStart>.fromOpaque(context).release()
                failIfNoThreads(errno: created)
                return
            }
            pthread_detach(thread)
        }

        private func failIfNoThreads(errno code: Int32) {
            let orphans: [Job] = locked { state in
                state.started -= 1
                guard state.started == 0 else { return [] }
                defer {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.next = 0
                }
                return Array(state.jobs[state.next...])
            }
            for job in orphans { job.body(.failure(TableError(.backendFailure, "cannot start a backend thread (error \(code))")))() }
        }

        /// A thread's life: takes jobs in order and runs them with its resource, waiting when
        /// there is none, until the pool is released and the queue empty.
        private func runJobs() {
            var resource: Resource? = locked { $0.spare.popLast() }
            while true {
                pthread_mutex_lock(mutex)
                while state.next == state.jobs.count && !state.shuttingDown {
                    pthread_cond_wait(condition, mutex)
                }
                guard state.next < state.jobs.count else {
                    state.started -= 1
                    pthread_mutex_unlock(mutex)
                    return
                }
                let job = state.jobs[state.next]
                state.next += 1
                if state.next == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.next = 0
                }
                state.running += 1
                pthread_mutex_unlock(mutex)

                let opened: Result<Resource, TableError>
                if let resource {
                    opened = .success(resource)
                } else {
                    do throws(TableError) {
                        let new = try open()
                        resource = new
                        opened = .success(new)
                    } catch {
                        opened = .failure(error)
                    }
                }
                let deliver = job.body(opened)
                locked { $0.running -= 1 }
                deliver()
            }
        }
    }
}

/// What a new thread runs: not generic, as a C start routine cannot capture a generic type.
private final class ThreadStart {
    let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
    }
}
