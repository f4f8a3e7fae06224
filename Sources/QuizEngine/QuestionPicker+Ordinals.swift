extension QuestionPicker {
    /// `count` distinct ordinals of `0..<bound`, drawn uniformly without replacement, in draw
    /// order; all of them (shuffled) when `bound` is no more than `count`.
    ///
    /// The same partial Fisher–Yates as `drawQuestionSet`, over a virtual array `0..<bound` whose
    /// swapped places alone are kept: time and memory grow with `count`, not with `bound`, so a
    /// session drawn from a bank of any size reads only the slots it draws
    /// (docs/data-layer.md, "Drawing a session").
    public static func drawOrdinals(count: Int, below bound: Int64, using rng: inout some RandomNumberGenerator) -> [Int64] {
        let wanted = Int(min(Int64(max(count, 0)), max(bound, 0)))
        var swapped: [Int64: Int64] = [:]
        swapped.reserveCapacity(wanted * 2)
        var drawn: [Int64] = []
        drawn.reserveCapacity(wanted)
        for index in 0..<Int64(wanted) {
            let other = index + Int64(rng.uniformIndex(below: Int(bound - index)))
            let picked = swapped[other] ?? other
            swapped[other] = swapped[index] ?? index
            drawn.append(picked)
        }
        return drawn
    }
}
