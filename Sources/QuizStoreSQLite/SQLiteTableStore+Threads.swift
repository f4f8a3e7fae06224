import QuizStore

// The backend's threads (docs/storage-threads.md). SQLite calls block: on disk I/O, and on the
// file's write lock for up to the busy timeout when another process writes. They run on threads
// of the store's own, as GRDB runs them: one serialized writer with the connection every write
// goes through, and a few readers with connections of their own. A caller on a thread of its own
// (a bootstrap's invocation thread) runs a call itself when the connection is free: a hop to the
// store's thread and back would cost more than the call.
extension SQLiteTableStore {
    /// Readers at most: reads in WAL mode run in parallel with each other and with the writer,
    /// and a function process rarely has more than a few in flight.
    static let maximumReaders = 4

    /// The writer, holding `connection`, and the readers, which open their connections on first need.
    static func threads(
        path: String, connection: sending SQLiteConnection, configuration: Configuration, checkpoints: SQLiteCheckpoints,
        writerGate: SQLiteWriterGate?
    ) -> (writer: BackendThreads<SQLiteConnection>, readers: BackendThreads<SQLiteConnection>) {
        let writer = BackendThreads<SQLiteConnection>(maximumThreads: 1, resources: [connection], runsOnCallersOwnThread: true) {
            () throws(TableError) in try open(path: path, configuration: configuration, checkpoints: checkpoints, writerGate: writerGate)
        }
        let readers = BackendThreads<SQLiteConnection>(maximumThreads: maximumReaders, runsOnCallersOwnThread: true) {
            () throws(TableError) in
            try SQLiteConnection(path: path, busyTimeout: configuration.busyTimeout, checkpoints: checkpoints)
        }
        return (writer, readers)
    }

    /// Runs a read on the writer's thread and connection when the writer is idle, else on a
    /// reader's.
    ///
    /// A process that serves one request at a time (a Lambda bootstrap, a `serve` worker) always
    /// finds the writer idle, so it keeps one thread and one connection. One that serves many at
    /// once reads in parallel with its writes: in WAL mode each read sees the last committed
    /// state, and only writers queue for the file's one write lock.
    func read<Value: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        if let value = try await writer.runIfIdle(body) { return value }
        return try await readers.run(body)
    }
}
