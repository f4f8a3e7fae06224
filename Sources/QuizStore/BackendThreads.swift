#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads of a backend's own for its blocking calls (SQLite, libcurl), and the resources those
/// calls need (database connections, HTTP clients), each used by one call at a time.
///
/// An `async` caller hands a job to ``run(_:)`` and suspends; a thread of the pool runs it with a
/// free resource and resumes the caller by continuation. So a call that blocks, for microseconds
/// or for the seconds of a busy timeout or a slow network, blocks one of these threads, never a
/// thread of Swift's cooperative pool. The design is GRDB's (a serialized writer queue and a
/// pool of readers) and what SwiftNIO's `NIOThreadPool` does for blocking file I/O;
/// docs/storage-threads.md explains how the backends use it.
///
/// Threads start on demand, up to `maximumThreads`, and so do resources (`open` makes one when
/// none is free, or one of `resources` is used first): a process that makes one call at a time
/// starts one of each. Queued jobs run in the order they came. A failed `open` fails that job and
/// is tried again for the next. Once the pool is released and its queue is empty, the threads end
/// and the resources are closed.
///
/// With `runsOnCallersOwnThread`, a caller whose task runs on a task executor of its own (the
/// Lambda runtime's invocation thread, which serves one invocation at a time and has nothing else
/// to do while its handler waits) runs the job itself when a resource is free and nothing is
/// queued: no thread hop there and back, which costs more than a local SQLite call. Callers on
/// the cooperative pool always hand their jobs over. A backend whose calls wait on the network
/// does not set it: there the point of the threads is that several calls wait at once.
public final class BackendThreads<Resource>: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is in `Core`, behind its mutex; a resource is used by
    // one job at a time, the one that took it out of the free list.

    // The fast path (`run`, `runIfIdle` and `Core.runHereIfFree`) is inlinable, so that each
    // backend's call sites are specialised for their value types: unspecialised, the generic
    // value and its `Optional` and `Result` cost a metadata lookup each, on every store call.
    @usableFromInline let core: Core
    @usableFromInline let runsOnCallersOwnThread: Bool

    /// A pool of at most `maximumThreads` threads and resources, with `resources` to use first and
    /// `open` for more.
    public init(
        maximumThreads: Int, resources: sending [Resource] = [], runsOnCallersOwnThread: Bool = false,
        open: @escaping @Sendable () throws(TableError) -> Resource
    ) {
        core = Core(maximumThreads: max(1, maximumThreads), resources: resources, open: open)
        self.runsOnCallersOwnThread = runsOnCallersOwnThread
    }

    deinit {
        core.shutDown()
    }

    /// Runs `body` with a free resource on a thread of the pool (or, see the type's description,
    /// on the caller's own thread), and returns what it returns.
    ///
    /// The caller suspends until then, whatever its executor; `body` must not wait for another
    /// job of the same pool (the resource it needs might be the one it holds).
    @inlinable
    public func run<Value: Sendable>(
        _ body: @escaping @Sendable (Resource) throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        if runsOnCallersOwnThread, Self.callerHasOwnExecutor, let value = try core.runHereIfFree(body) { return value }
        let result: Result<Value, TableError> = await withUnsafeContinuation { continuation in
            core.enqueue(Self.job(body) { continuation.resume(returning: $0) }, onlyIfFree: false)
        }
        return try result.get()
    }

    /// Runs `body` as ``run(_:)`` does when a resource is free (in use by no job, or not opened
    /// yet) and no job waits; `nil`, without running it, otherwise.
    ///
    /// For work that may go to either of two pools: a read goes to the SQLite writer when it is
    /// free, so a process that makes one call at a time keeps one connection.
    @inlinable
    public func runIfIdle<Value: Sendable>(
        _ body: @escaping @Sendable (Resource) throws(TableError) -> Value
    ) async throws(TableError) -> Value? {
        if runsOnCallersOwnThread, Self.callerHasOwnExecutor { return try core.runHereIfFree(body) }
        let result: Result<Value, TableError>? = await withUnsafeContinuation { continuation in
            if !core.enqueue(Self.job(body) { continuation.resume(returning: $0) }, onlyIfFree: true) {
                continuation.resume(returning: nil)
            }
        }
        return try result?.get()
    }

    /// Queues `body` to run on a thread of the pool (never the caller's) when a resource is free
    /// and no job waits, and says whether it did; nobody waits for it, and a resource it cannot
    /// open means it does not run. For background work that a later call asks for again if it is
    /// still needed (the SQLite backend's checkpoints): a call while one runs is dropped, not
    /// queued behind it.
    @discardableResult
    public func runInBackgroundIfIdle(_ body: @escaping @Sendable (Resource) -> Void) -> Bool {
        core.enqueue(
            Job { resource in
                if case .success(let resource) = resource { body(resource) }
                return {}
            }, onlyIfFree: true)
    }

    /// How many threads have started so far.
    public var threadCount: Int {
        core.locked { $0.started }
    }

    /// Whether the calling task runs on a task executor of its own rather than on the global
    /// concurrent executor (the cooperative pool).
    @inlinable
    static var callerHasOwnExecutor: Bool {
        withUnsafeCurrentTask { task in task?.unownedTaskExecutor != nil }
    }

    /// The job that runs `body` and hands its outcome to `deliver`.
    @usableFromInline
    static func job<Value: Sendable>(
        _ body: @escaping @Sendable (Resource) throws(TableError) -> Value, _ deliver: @escaping (Result<Value, TableError>) -> Void
    ) -> Job {
        Job { resource in
            let result = resource.flatMap { resource in Result { () throws(TableError) in try body(resource) } }
            return { deliver(result) }
        }
    }

    // MARK: - Jobs and threads

    /// A job: called once, on a pool thread, with a resource or the error opening one; returns
    /// how to hand its outcome to the caller, which the thread does once the resource is free
    /// again (so a caller that goes on at once finds it free).
    @usableFromInline
    struct Job {
        @usableFromInline let body: (Result<Resource, TableError>) -> () -> Void

        @usableFromInline
        init(body: @escaping (Result<Resource, TableError>) -> () -> Void) {
            self.body = body
        }
    }

    /// The queue, the free resources and the threads, shared by the pool and its threads, which
    /// keep it alive until they end.
    @usableFromInline
    final class Core: @unchecked Sendable {
        @usableFromInline
        struct State {
            @usableFromInline var jobs: [Job] = []
            /// The index in `jobs` of the next job to take: removing from the front of an array
            /// would move every other job.
            @usableFromInline var next = 0
            @usableFromInline var started = 0
            /// Threads waiting for a job.
            @usableFromInline var waiting = 0
            /// Resources no job is using.
            @usableFromInline var free: [Resource]
            /// Resources that exist or are being opened, in use or free.
            @usableFromInline var opened: Int
            @usableFromInline var shuttingDown = false

            @inlinable var hasQueuedJobs: Bool { next < jobs.count }

            @usableFromInline
            init(free: [Resource], opened: Int) {
                self.free = free
                self.opened = opened
            }
        }

        @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
        @usableFromInline let condition: UnsafeMutablePointer<pthread_cond_t>
        @usableFromInline var state: State
        @usableFromInline let maximumThreads: Int
        @usableFromInline let open: @Sendable () throws(TableError) -> Resource

        init(maximumThreads: Int, resources: [Resource], open: @escaping @Sendable () throws(TableError) -> Resource) {
            mutex = .allocate(capacity: 1)
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
            condition = .allocate(capacity: 1)
            condition.initialize(to: pthread_cond_t())
            pthread_cond_init(condition, nil)
            state = State(free: resources, opened: resources.count)
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

        @inlinable
        func locked<Value>(_ body: (inout State) -> Value) -> Value {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body(&state)
        }

        /// Whether a job could have a resource now; called with the mutex held.
        @inlinable
        var resourceAvailable: Bool {
            !state.free.isEmpty || state.opened < maximumThreads
        }

        /// Takes a free resource, or the right to open one (`nil`); called with the mutex held
        /// when `resourceAvailable`.
        @inlinable
        func takeResource() -> Resource? {
            if let resource = state.free.popLast() { return resource }
            state.opened += 1
            return nil
        }

        /// The resource `taken` (or a new one), for a job about to run.
        @inlinable
        func resource(_ taken: Resource?) -> Result<Resource, TableError> {
            if let taken { return .success(taken) }
            do throws(TableError) {
                return .success(try open())
            } catch {
                locked { $0.opened -= 1 }
                return .failure(error)
            }
        }

        /// Puts a resource back after a job and wakes a thread when jobs wait for one.
        @inlinable
        func giveBack(_ resource: Result<Resource, TableError>) {
            pthread_mutex_lock(mutex)
            if case .success(let resource) = resource { state.free.append(resource) }
            if state.hasQueuedJobs && state.waiting > 0 { pthread_cond_signal(condition) }
            pthread_mutex_unlock(mutex)
        }

        /// Runs `body` on the calling thread when a resource is free and no job is queued;
        /// `nil` when it did not run.
        @inlinable
        func runHereIfFree<Value>(_ body: (Resource) throws(TableError) -> Value) throws(TableError) -> Value? {
            guard let resource = takeResourceIfIdle() else { return nil }
            defer { giveBack(resource) }
            return try body(try resource.get())
        }

        /// A free resource (or a new one) when one is free and no job is queued; `nil` otherwise.
        @inlinable
        func takeResourceIfIdle() -> Result<Resource, TableError>? {
            pthread_mutex_lock(mutex)
            guard !state.hasQueuedJobs, resourceAvailable else {
                pthread_mutex_unlock(mutex)
                return nil
            }
            let taken = takeResource()
            pthread_mutex_unlock(mutex)
            return resource(taken)
        }

        /// Queues `job` and wakes or starts a thread for it; with `onlyIfFree`, queues it only
        /// when a resource is free and nothing is queued, and says whether it did.
        @discardableResult @usableFromInline
        func enqueue(_ job: Job, onlyIfFree: Bool) -> Bool {
            pthread_mutex_lock(mutex)
            if onlyIfFree, state.hasQueuedJobs || !resourceAvailable {
                pthread_mutex_unlock(mutex)
                return false
            }
            state.jobs.append(job)
            let queued = state.jobs.count - state.next
            let startThread = queued > state.waiting && state.started < maximumThreads
            if startThread { state.started += 1 }
            if state.waiting > 0 { pthread_cond_signal(condition) }
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

        /// A thread's life: takes jobs in order and runs each with a free resource, waiting when
        /// there is no job or no resource, until the pool is released and the queue is empty.
        private func runJobs() {
            while true {
                pthread_mutex_lock(mutex)
                while !(state.hasQueuedJobs && resourceAvailable) && !(state.shuttingDown && !state.hasQueuedJobs) {
                    state.waiting += 1
                    pthread_cond_wait(condition, mutex)
                    state.waiting -= 1
                }
                guard state.hasQueuedJobs else {
                    // The free resources go with the core, when the last thread drops it.
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
                let taken = takeResource()
                pthread_mutex_unlock(mutex)

                let resource = resource(taken)
                let deliver = job.body(resource)
                giveBack(resource)
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
