import Foundation

/// What an ELF executable or shared library asks of the dynamic loader: its loader, its search
/// path, the libraries it needs and the symbol versions it needs from each. `local-runner
/// package` reads it from the file itself to decide what the zip must carry and how the
/// `bootstrap` must be pointed at it.
///
/// Only 64-bit little-endian files are read (x86_64 and arm64, the two Lambda architectures).
/// Layouts from the System V ABI's ELF chapter and the LSB's symbol versioning section:
/// https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.sheader.html,
/// https://refspecs.linuxfoundation.org/LSB_5.0.0/LSB-Core-generic/LSB-Core-generic/symversion.html
struct ELFDependencies: Sendable, Equatable {
    /// `DT_NEEDED`: the sonames the file links, in link order.
    var neededLibraries: [String]
    /// `SHT_GNU_verneed`: per soname, the symbol versions needed from it (e.g. `GLIBC_2.34`).
    var neededVersions: [String: Set<String>]
    /// `PT_INTERP`: the dynamic loader an executable names, e.g. `/lib64/ld-linux-x86-64.so.2`;
    /// `nil` for a shared library or a static executable.
    var interpreter: String? = nil
    /// Whether the file has its own search path (`DT_RPATH` or `DT_RUNPATH`).
    var hasSearchPath = false

    /// Why a file cannot be read as ELF.
    enum ReadError: Error, CustomStringConvertible, Equatable {
        /// Not an ELF file at all (a script, say): nothing to check.
        case notELF
        /// ELF, but 32-bit or big-endian.
        case unsupported(String)
        /// A header points outside the file.
        case truncated(String)

        var description: String {
            switch self {
            case .notELF: "not an ELF file"
            case .unsupported(let what): "unsupported ELF file: \(what)"
            case .truncated(let what): "truncated ELF file: \(what) lies outside the file"
            }
        }
    }

    /// The dependencies of the file at `url`, mapped rather than read: a release `bootstrap` is tens of megabytes.
    init(contentsOf url: URL) throws {
        try self.init(bytes: try Data(contentsOf: url, options: .alwaysMapped))
    }

    /// The dependencies of an ELF image.
    init(bytes: Data) throws(ReadError) {
        let file = ByteReader(bytes: bytes)
        guard bytes.count >= 64, bytes.prefix(4).elementsEqual([0x7F, 0x45, 0x4C, 0x46]) else { throw .notELF }
        guard try file.byte(at: 4) == 2 else { throw .unsupported("32-bit") }
        guard try file.byte(at: 5) == 1 else { throw .unsupported("big-endian") }

        let sectionTableOffset = try file.integer(UInt64.self, at: 0x28)
        let sectionHeaderSize = try file.integer(UInt16.self, at: 0x3A)
        let sectionCount = try file.integer(UInt16.self, at: 0x3C)
        guard sectionHeaderSize >= 64 else { throw .unsupported("section headers of \(sectionHeaderSize) bytes") }
        var sections: [Section] = []
        for index in 0..<Int(sectionCount) {
            sections.append(try Section(file: file, at: Int(sectionTableOffset) + index * Int(sectionHeaderSize)))
        }
        func strings(linkedFrom section: Section) throws(ReadError) -> Section {
            guard Int(section.link) < sections.count else { throw .truncated("string table \(section.link)") }
            return sections[Int(section.link)]
        }

        // Program headers: PT_INTERP (3) holds the loader's path.
        let programTableOffset = try file.integer(UInt64.self, at: 0x20)
        let programHeaderSize = try file.integer(UInt16.self, at: 0x36)
        let programCount = try file.integer(UInt16.self, at: 0x38)
        for index in 0..<Int(programCount) {
            let header = Int(programTableOffset) + index * Int(programHeaderSize)
            if try file.integer(UInt32.self, at: header) == 3 {
                interpreter = try file.string(at: Int(try file.integer(UInt64.self, at: header + 8)))
            }
        }

        var needed: [String] = []
        var versions: [String: Set<String>] = [:]
        for section in sections {
            switch section.type {
            case Section.dynamic:
                let names = try strings(linkedFrom: section)
                // Entries of 16 bytes: a signed tag and a value; DT_NULL (0) ends the table.
                for entry in stride(from: 0, to: Int(section.size), by: 16) {
                    let tag = try file.integer(Int64.self, at: Int(section.offset) + entry)
                    if tag == 0 { break }
                    if tag == 1 {  // DT_NEEDED: an offset into the linked string table.
                        let name = try file.integer(UInt64.self, at: Int(section.offset) + entry + 8)
                        needed.append(try file.string(at: Int(names.offset) + Int(name)))
                    } else if tag == 15 || tag == 29 {  // DT_RPATH, DT_RUNPATH
                        hasSearchPath = true
                    }
                }
            case Section.gnuVersionNeed:
                let names = try strings(linkedFrom: section)
                // A chain of Verneed records (one per library), each with a chain of Vernaux
                // records (one per version); `info` is the number of Verneed records.
                var record = Int(section.offset)
                for _ in 0..<section.info {
                    let count = try file.integer(UInt16.self, at: record + 2)
                    let library = try file.string(at: Int(names.offset) + Int(try file.integer(UInt32.self, at: record + 4)))
                    var auxiliary = record + Int(try file.integer(UInt32.self, at: record + 8))
                    for _ in 0..<count {
                        let version = try file.string(at: Int(names.offset) + Int(try file.integer(UInt32.self, at: auxiliary + 8)))
                        versions[library, default: []].insert(version)
                        auxiliary += Int(try file.integer(UInt32.self, at: auxiliary + 12))
                    }
                    let next = try file.integer(UInt32.self, at: record + 12)
                    if next == 0 { break }
                    record += Int(next)
                }
            default:
                continue
            }
        }
        neededLibraries = needed
        neededVersions = versions
    }
}

/// One section header (`Elf64_Shdr`), the fields this reader uses.
private struct Section {
    static let dynamic: UInt32 = 6
    static let gnuVersionNeed: UInt32 = 0x6FFF_FFFE

    var type: UInt32
    var offset: UInt64
    var size: UInt64
    var link: UInt32
    var info: UInt32

    init(file: ByteReader, at header: Int) throws(ELFDependencies.ReadError) {
        type = try file.integer(UInt32.self, at: header + 4)
        offset = try file.integer(UInt64.self, at: header + 24)
        size = try file.integer(UInt64.self, at: header + 32)
        link = try file.integer(UInt32.self, at: header + 40)
        info = try file.integer(UInt32.self, at: header + 44)
    }
}

/// Bounds-checked little-endian reads: a malformed file is an error, never a crash.
private struct ByteReader {
    let bytes: Data

    func byte(at offset: Int) throws(ELFDependencies.ReadError) -> UInt8 {
        guard offset >= 0, offset < bytes.count else { throw .truncated("byte \(offset)") }
        return bytes[bytes.startIndex + offset]
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) throws(ELFDependencies.ReadError) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= bytes.count - size else { throw .truncated("a \(size)-byte field at \(offset)") }
        var value = T.zero
        for index in (0..<size).reversed() {
            value = value << 8 | T(bytes[bytes.startIndex + offset + index])
        }
        return value
    }

    /// The NUL-terminated string at `offset`.
    func string(at offset: Int) throws(ELFDependencies.ReadError) -> String {
        guard offset >= 0, offset < bytes.count else { throw .truncated("a string at \(offset)") }
        let start = bytes.startIndex + offset
        guard let end = bytes[start...].firstIndex(of: 0) else { throw .truncated("the string at \(offset)") }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
