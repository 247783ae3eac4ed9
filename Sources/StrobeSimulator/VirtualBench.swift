public import CStrobe
import CStrobeSimulator
public import Strobe
import SystemPackage

/// The virtual bench: a simulated GPIO register block with hardware semantics.
///
/// Driver code — Strobe's own pins, or any C that writes registers — runs unchanged against
/// it. Stores to the block trap into a model of the silicon (write-1-to-set/clear, levels
/// following outputs, pulls on undriven inputs, BCM event-detect latches, RP1 atomic aliases).
/// Time is virtual and every pin change is recorded, ready to export as VCD.
public final class VirtualBench: RegisterSimulation, @unchecked Sendable {
    // Sendable: the C bench locks its own state; this class adds no mutable state.

    /// The layout it simulates.
    public let layout: Layout
    @usableFromInline let handle: OpaquePointer

    /// A new bench in its reset state: every pin an input with its default pull.
    public init(layout: Layout) throws(StrobeError) {
        var err: Int32 = 0
        guard let h = strobe_vbench_new(layout.cValue, &err) else {
            let errno = Errno(cReturn: err)
            if errno == .notSupported {
                throw .invalidArgument("the virtual bench decodes x86_64 and aarch64 stores only; this CPU is neither")
            }
            throw .system(operation: "creating", path: "the virtual bench", errno: errno)
        }
        self.layout = layout
        self.handle = h
    }

    deinit { strobe_vbench_free(handle) }

    /// Drives input `pin` to `level` from outside, as a button or another chip would.
    public func drive(_ pin: Int, to level: Level) throws(StrobeError) {
        try check(pin)
        _ = strobe_vbench_drive(handle, UInt32(pin), level.isHigh ? 1 : 0)
    }

    /// Stops driving `pin`; its pull decides what an input reads.
    public func undrive(_ pin: Int) throws(StrobeError) {
        try check(pin)
        _ = strobe_vbench_drive(handle, UInt32(pin), -1)
    }

    /// The level a probe on `pin` would see.
    public func level(of pin: Int) -> Level {
        Level(strobe_vbench_level(handle, UInt32(clamping: pin)) == 1)
    }

    /// The pull on `pin` as the model holds it (known even on BCM2835, which can't report it).
    public func pull(of pin: Int) -> Pull? {
        let p = strobe_vbench_pull(handle, UInt32(clamping: pin))
        return p < 0 ? nil : Pull(cValue: p)
    }

    /// Virtual time in nanoseconds.
    public var now: UInt64 { strobe_vbench_now(handle) }

    /// Moves virtual time forward by `nanoseconds`; virtual time runs from 0 to
    /// ``Strobe/maximumTimeNanoseconds`` (2⁶³ − 1 ns, 292 years) and never wraps.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` when the move would pass
    ///   that; time stays where it was.
    public func advance(nanoseconds: UInt64) throws(StrobeError) {
        guard strobe_vbench_advance(handle, nanoseconds) == 0 else {
            throw .outOfRange(parameter: "virtual time", value: "\(now) ns + \(nanoseconds) ns",
                              range: "0…\(maximumTimeNanoseconds) ns (2⁶³ − 1 ns, 292 years)")
        }
    }

    /// Virtual time each register store takes, 0…1 s (default 0), so traces of bit-banged code
    /// show the stores spread out.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for more than 1 s.
    public func setStoreCost(nanoseconds: UInt64) throws(StrobeError) {
        let ns = try Checked.int(nanoseconds, "the store cost (ns)", in: 0...STROBE_VBENCH_MAX_STORE_COST_NS)
        strobe_vbench_set_store_cost(handle, ns)
    }

    /// Register stores the bench has trapped and applied.
    public var storeCount: UInt64 { strobe_vbench_store_count(handle) }

    /// One register write the bench applied.
    public struct RegisterWrite: Sendable, Hashable {
        /// Virtual time of the write, ns.
        public var time: UInt64
        /// Byte offset of the register in the block (RP1: the atomic alias written, included).
        public var offset: Int
        /// The 32-bit word written.
        public var value: UInt32
    }

    /// Register writes applied since the bench was made; pass it to ``registerWrites(from:)``
    /// to see only what comes after.
    public var registerWriteCount: UInt64 { strobe_vbench_write_count(handle) }

    /// The register writes numbered `start` and later, oldest first (`strobe_vbench_writes_since`).
    /// The bench remembers the last 4096; older ones are left out.
    public func registerWrites(from start: UInt64 = 0) -> [RegisterWrite] {
        var cursor = start
        var out: [RegisterWrite] = []
        var buf = [strobe_vbench_write](repeating: strobe_vbench_write(), count: 256)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { strobe_vbench_writes_since(handle, &cursor, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            out += buf[..<n].map { RegisterWrite(time: $0.time_ns, offset: Int($0.offset), value: $0.value) }
        }
    }

    /// The bench's virtual clock (`strobe_vbench_clock`) for C code timed on the bench; valid
    /// while the bench lives.
    public var clock: strobe_clock { strobe_vbench_clock(handle) }

    /// The block driver code writes: the bench's read-only view, whose every store traps into
    /// the model (`strobe_vbench_block`).
    public var registerBlock: UnsafeMutablePointer<UInt32> { UnsafeMutablePointer(mutating: strobe_vbench_block(handle)) }

    /// Edges of `pin` from the bench's change log: exact, in virtual time.
    public func edgeSource(board: Board, pin: Int, token: UInt64) -> any EdgeSource {
        BenchEdgeSource(board: board, bench: self, pin: pin, token: token)
    }

    /// One recorded pin change.
    public struct Change: Sendable, Hashable {
        /// Virtual time of the change, ns.
        public var time: UInt64
        /// The GPIO number.
        public var pin: Int
        /// The new level.
        public var level: Level
    }

    /// Every pin change since the bench was made or ``clearChanges()`` last ran.
    public var changes: [Change] {
        let n = strobe_vbench_event_count(handle)
        var out: [Change] = []
        out.reserveCapacity(n)
        var e = strobe_vbench_event()
        for i in 0..<n where strobe_vbench_event_at(handle, i, &e) == 0 {
            out.append(Change(time: e.time_ns, pin: Int(e.pin), level: Level(e.level != 0)))
        }
        return out
    }

    /// Forgets the recorded changes; the current levels become the trace's starting values.
    public func clearChanges() { strobe_vbench_clear_events(handle) }

    /// Writes the recorded changes as a VCD file (timescale 1 ns, one wire per pin named
    /// GPIOn) that PulseView, GTKWave and sigrok-cli open.
    /// - Parameter pins: the pins to include; `nil` for every pin that changed.
    public func writeVCD(to path: String, pins: [Int]? = nil) throws(StrobeError) {
        var mask: UInt64 = 0
        for pin in pins ?? [] {
            try check(pin)
            mask |= 1 << UInt64(pin)
        }
        let rc = strobe_vbench_write_vcd(handle, path, mask)
        try StrobeError.check(rc, "writing", path)
    }

    private func check(_ pin: Int) throws(StrobeError) {
        guard pin >= 0, pin < layout.pinCount else { throw .invalidPin(pin, layout: layout) }
    }
}

extension VirtualBench {
    /// Saves the registers and the model (not the recorded changes) to `path`, so another
    /// process can carry on with the same bench. The `strobe` CLI does this between commands.
    /// Atomic (an exclusively created temporary file, fsync, rename): a crash leaves the old
    /// state or the new one. A symbolic link or a non-regular file at `path` is refused.
    public func saveState(to path: String) throws(StrobeError) {
        let rc = strobe_vbench_save(handle, path)
        switch Errno(cReturn: rc) {
        case _ where rc == 0: return
        case .tooManySymbolicLinkLevels:
            throw Self.symbolicLink(path)
        case .invalidArgument:
            throw .invalidArgument("\(path) is not a regular file, so it is not replaced; use another state file")
        default:
            try StrobeError.check(rc, "saving the virtual bench to", path)
        }
    }

    /// Loads a state saved by ``saveState(to:)``. A missing file is not an error: the bench
    /// stays in its reset state. A symbolic link is not followed, and anything but a state
    /// file of this layout is refused, saying how to recover.
    public func loadState(from path: String) throws(StrobeError) {
        let rc = strobe_vbench_load(handle, path)
        switch Errno(cReturn: rc) {
        case _ where rc == 0, .noSuchFileOrDirectory: return
        case .tooManySymbolicLinkLevels:
            throw Self.symbolicLink(path)
        case .invalidArgument:
            throw .invalidArgument("\(path) is not a Strobe virtual bench state file (damaged or foreign): delete it to start from the reset state, or use another state file")
        case .improperLink:
            throw .invalidArgument("\(path) holds a virtual bench of another layout; start from the reset state, or use another state file")
        case let errno:
            throw .system(operation: "loading the virtual bench from", path: path, errno: errno)
        }
    }

    /// The refusal of a state file's path that is a symbolic link (never followed).
    static func symbolicLink(_ path: String) -> StrobeError {
        .invalidArgument("\(path) is a symbolic link; Strobe reads and writes its state files only directly: remove it, or use another state file")
    }

    /// Checks that saving to `path` would replace nothing but a Strobe state file (or create
    /// one): before starting from the reset state over whatever `path` holds.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for a symbolic link or any other file.
    public static func checkReplaceable(_ path: String) throws(StrobeError) {
        let rc = strobe_vbench_check_state_file(path)
        switch Errno(cReturn: rc) {
        case _ where rc == 0: return
        case .tooManySymbolicLinkLevels:
            throw Self.symbolicLink(path)
        case .invalidArgument:
            throw .invalidArgument("\(path) is not a Strobe virtual bench state file, so it is not replaced; use another state file")
        case let errno:
            throw .system(operation: "checking", path: path, errno: errno)
        }
    }

    /// Runs `body` holding the lock of the state at `path` (an exclusive `flock` on
    /// `path`.lock, waited for), so that commands sharing a state file load, change and save
    /// it one at a time and lose no update.
    public static func withStateLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = strobe_vbench_lock_state(path)
        if fd < 0 {
            if Errno(cReturn: fd) == .tooManySymbolicLinkLevels {
                throw StrobeError.invalidArgument("\(path).lock is a symbolic link; Strobe makes its lock files itself: remove it")
            }
            throw StrobeError.system(operation: "locking", path: path + ".lock", errno: Errno(cReturn: fd))
        }
        defer { strobe_vbench_unlock_state(fd) }
        return try body()
    }
}
