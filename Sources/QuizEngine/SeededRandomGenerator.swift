/// A seedable, deterministic random number generator: xoshiro256** seeded through SplitMix64.
///
/// The engine never makes up randomness of its own (docs/contributing.md#house-rules: time and randomness are
/// injected). Deployed handlers pass `SystemRandomNumberGenerator`; tests and the handlers' test mode pass
/// this generator, so that one seed reproduces every draw, shuffle and pick exactly, on any machine and
/// toolchain. Its state is a plain value: it can be copied, compared and stored.
///
/// The algorithms are the reference ones by Blackman and Vigna,
/// <https://prng.di.unimi.it/xoshiro256starstar.c> and <https://prng.di.unimi.it/splitmix64.c>.
public struct SeededRandomGenerator: RandomNumberGenerator, Codable, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        // xoshiro must not start from an all-zero state; SplitMix64 spreads any seed (zero included)
        // over the 256 bits, which is how the authors recommend seeding it.
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A generator seeded from text, such as a session id or a test name.
    ///
    /// The text is hashed with 64-bit FNV-1a over its UTF-8 bytes. `String.hashValue` would not do:
    /// Swift seeds it per process, so the same text would give another sequence in the next request.
    public init(seedText: some StringProtocol) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seedText.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        self.init(seed: hash)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, by count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 &- count))
    }
}

// MARK: - Seeding

/// SplitMix64, used only to expand a 64-bit seed into xoshiro's 256-bit state.
struct SplitMix64 {
    /// The running state; each call advances it by the golden-ratio increment.
    var state: UInt64

    /// The next 64 bits of the sequence.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

// MARK: - Draws

// Every random draw of the engine goes through these, written out here instead of taken from the
// standard library (`Int.random(in:using:)`, `shuffle(using:)`): the standard library does not
// promise how many values those consume or how it maps them, and a seeded session must replay the
// same questions and choice orders after a toolchain upgrade, since handlers in test mode and the
// tests pin exact sequences. Any `RandomNumberGenerator` can feed them.

extension RandomNumberGenerator {
    /// A uniformly distributed index in `0..<bound`; `bound` must be positive.
    ///
    /// Lemire's multiply-shift with rejection ("Fast Random Integer Generation in an Interval",
    /// 2019): the high word of `random × bound` is the index, and the rare low words that would make
    /// some indices likelier are redrawn. A redraw happens with probability below `bound / 2⁶⁴`.
    mutating func uniformIndex(below bound: Int) -> Int {
        precondition(bound > 0, "uniformIndex(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// `true` with the given probability, from one 64-bit draw: the draw succeeds when
    /// `unitInterval()` is below `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        unitInterval() < probability
    }

    /// A `Double` uniformly spread over `[0, 1)` from one 64-bit draw: the top 53 bits, the finest
    /// grid a `Double` holds exactly there.
    mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Puts `elements` into a uniformly random order (Fisher–Yates, from the back).
    mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            let other = uniformIndex(below: index + 1)
            elements.swapAt(index, other)
        }
    }

    /// `count` distinct elements of `elements`, drawn uniformly without replacement, in draw order;
    /// all of them (shuffled) when there are no more than `count`.
    mutating func sample<Element>(_ elements: [Element], count: Int) -> [Element] {
        var pool = elements
        let wanted = min(max(count, 0), pool.count)
        // A partial Fisher–Yates from the front: after step i, the first i + 1 places hold the draw.
        for index in 0..<wanted {
            let other = index + uniformIndex(below: pool.count - index)
            pool.swapAt(index, other)
        }
        return Array(pool.prefix(wanted))
    }
}
