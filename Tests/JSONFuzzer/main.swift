// The JSON parser under libFuzzer (docs/json.md):
//
//   swift build --product JSONFuzzer --scratch-path .build-fuzz -c release \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
//   .build-fuzz/release/JSONFuzzer -max_total_time=300 -max_len=4096 Tests/JSONFuzzer/Corpus
//
// Each input is parsed with the default options and with the strictest ones; an accepted input
// must be written back to text that parses to the same value, and an error must point inside
// the input. A crash, a failed check (a trap) or a sanitizer report is a finding.
//
// Built normally (as `swift build` builds every target), it replays the files named on its
// command line through the same checks, so a finding can be rerun in a debugger.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrictJSON

/// Checks one input; traps when a property does not hold.
func check(_ bytes: UnsafeBufferPointer<UInt8>) {
    for options in [JSONParser.Options(), JSONParser.Options(maximumDepth: 8, duplicateNames: .reject)] {
        do {
            let value = try JSONParser.parse(bytes, options: options)
            var writer = JSONWriter()
            value.write(to: &writer)
            guard let again = try? JSONParser.parse(writer.bytes, options: options), again == value else {
                fatalError("the written text of an accepted input does not parse back to it")
            }
        } catch {
            precondition(error.offset >= 0 && error.offset <= bytes.count, "error offset outside the input")
            _ = error.position(in: bytes)
        }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { data, size in
    check(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
})
#else
var replayed = 0
for path in CommandLine.arguments.dropFirst() {
    guard let file = fopen(path, "rb") else {
        print("JSONFuzzer: cannot open \(path)")
        exit(2)
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    fclose(file)
    bytes.withUnsafeBufferPointer(check)
    replayed += 1
}
print("JSONFuzzer: \(replayed) inputs replayed, every check held")
#endif
