import Synchronization

/// The bytes of request bodies and events the gateway holds at once, against
/// ``ServeLimits/maxPendingBytes``: what keeps its memory bounded when many clients upload large
/// bodies at the same time.
///
/// A body reserves its bytes as they arrive, not by what its `Content-Length` announces, so a
/// client that announces 6 MB and then stalls holds only what it sent. An event reserves its
/// size once it is made, until its invocation ends.
final class PendingBytes: Sendable {
    /// The most bytes held at once.
    let limit: Int
    private let held = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// The bytes held now.
    var current: Int { held.load(ordering: .relaxed) }

    /// Takes `count` bytes of the budget; `false`, taking nothing, when they would pass the limit.
    func reserve(_ count: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while true {
            guard current + count <= limit else { return false }
            let (exchanged, original) = held.compareExchange(expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back `count` bytes.
    func release(_ count: Int) {
        guard count > 0 else { return }
        held.subtract(count, ordering: .relaxed)
    }
}
