#if Libgpiod
import CStrobe
public import CStrobeGpiod
import SystemPackage

/// The character-device backend: GPIO lines through `/dev/gpiochipN` and libgpiod, the way the
/// kernel wants user space to do it. Every set or read is one ioctl; the kernel knows who holds
/// each line (consumer "strobe") and refuses lines others hold.
///
/// Strobe builds against whichever libgpiod pkg-config finds: 1.6 (Debian 12, Raspberry Pi OS
/// bookworm; the kernel's GPIO uAPI v1) or 2.x (Debian 13, Raspberry Pi OS trixie; uAPI v2).
/// The API is the same; ``apiGeneration`` says which one this build speaks, and the few things
/// only 2.x can do (kernel debounce) say so when asked of 1.6. The backend exists when the
/// package trait `Libgpiod` is on (the default).
public final class GpiodChip: GPIOController, @unchecked Sendable {
    // Sendable: libgpiod's chip handle is only read after opening; requests are per-claim and
    // the claim table is behind a mutex.

    /// The chip's label, e.g. "pinctrl-bcm2835".
    public let label: String
    /// The chip's name, e.g. "gpiochip0".
    public let name: String
    /// Number of lines; valid pins are `0..<pinCount`.
    public let pinCount: Int
    let chip: OpaquePointer
    let claims = ClaimTable<LineRequest>()

    /// A libgpiod line request, revoked when its claim ends. An output group's request is
    /// recorded under each of its pins; only the first pin's entry owns (and revokes) it.
    struct LineRequest: Sendable {
        let request: GpiodRequest
        var owner = true
    }

    /// "libgpiod (gpiochip0, pinctrl-bcm2835)".
    public var backendDescription: String { "libgpiod (\(name), \(label))" }

    /// The libgpiod generation this build of Strobe speaks: 1 (libgpiod 1.6, the kernel's GPIO
    /// uAPI v1) or 2 (libgpiod 2.x, uAPI v2). Fixed when Strobe is compiled.
    public static var apiGeneration: Int { Int(strobe_gpiod_api()) }

    /// The version of the libgpiod library loaded at run time, e.g. "1.6.3" or "2.2.1".
    public static var libraryVersion: String { String(cString: strobe_gpiod_library_version()) }

    /// Opens a chip by path ("/dev/gpiochip0"), name ("gpiochip0"), number ("0") or label
    /// ("pinctrl-bcm2835"); `nil` opens the Raspberry Pi's GPIO controller (pinctrl-bcm2835,
    /// pinctrl-bcm2711 or pinctrl-rp1).
    /// - Throws: ``StrobeError/unsupported(_:)`` when there is no such chip (the text says how
    ///   to list them) or this user may not open it (the text says how to join the `gpio`
    ///   group); ``StrobeError/system(operation:path:errno:)`` for any other failure, such as a
    ///   path that is not a GPIO chip.
    public convenience init(_ spec: String? = nil) throws(StrobeError) {
        var handle: OpaquePointer?
        let rc = strobe_gpiod_chip_open(spec, &handle)
        let shown = spec.map { "GPIO chip \($0)" } ?? "Raspberry Pi GPIO chip (pinctrl-bcm2835, pinctrl-bcm2711 or pinctrl-rp1)"
        guard rc == 0, let handle else {
            switch Errno(cReturn: rc) {
            case .noSuchFileOrDirectory:
                throw .unsupported("no \(shown) in /dev: list the chips with `gpiodetect` (off a Pi, run on the virtual bench)")
            case .permissionDenied, .notPermitted:
                throw .unsupported("permission denied opening \(shown): add yourself to the gpio group (sudo usermod -aG gpio $USER, then log in again)")
            case let errno:
                throw .system(operation: "opening", path: shown, errno: errno)
            }
        }
        self.init(handle: handle)
    }

    /// A chip with no kernel behind it, for tests off a Pi: requests keep their levels in memory
    /// (``strobe_gpiod_chip_fake``), every line is free, and edge sources are unsupported.
    convenience init(fakeLines count: Int) throws(StrobeError) {
        var handle: OpaquePointer?
        let rc = strobe_gpiod_chip_fake(UInt32(clamping: count), &handle)
        guard rc == 0, let handle else { throw .system(operation: "making", path: "a fake GPIO chip", errno: Errno(cReturn: rc)) }
        self.init(handle: handle)
    }

    private init(handle: OpaquePointer) {
        chip = handle
        label = String(cString: strobe_gpiod_chip_label(handle))
        name = String(cString: strobe_gpiod_chip_name(handle))
        pinCount = Int(strobe_gpiod_chip_num_lines(handle))
    }

    deinit {
        releaseAll()
        strobe_gpiod_chip_close(chip)
    }

    func validate(_ pin: Int) throws(StrobeError) {
        guard pin >= 0, pin < pinCount else { throw .invalidLine(pin, chip: "\(name) (\(label))", count: pinCount) }
    }

    func bias(_ pull: Pull?) -> Int32 {
        switch pull {
        case nil: Int32(STROBE_GPIOD_BIAS_AS_IS.rawValue)
        case .some(.none): Int32(STROBE_GPIOD_BIAS_DISABLE.rawValue)
        case .some(.up): Int32(STROBE_GPIOD_BIAS_PULL_UP.rawValue)
        case .some(.down): Int32(STROBE_GPIOD_BIAS_PULL_DOWN.rawValue)
        }
    }

    /// Who holds `pin` (consumer name), or nil when it is free.
    public func holder(of pin: Int) throws(StrobeError) -> String? {
        try validate(pin)
        var consumer = [CChar](repeating: 0, count: 64)
        let rc = strobe_gpiod_line_in_use(chip, UInt32(pin), &consumer, consumer.count)
        try StrobeError.check(rc, "reading line info of", "\(name) line \(pin)")
        guard rc > 0 else { return nil }
        let text = String(decoding: consumer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "an unnamed consumer" : "\"\(text)\""
    }

    func busy(_ pin: Int, _ rc: Int32) -> StrobeError {
        let errno = Errno(cReturn: rc)
        if errno == .resourceBusy {
            let who = (try? holder(of: pin)).flatMap { $0 } ?? "another user"
            return .lineBusy(pin, detail: "\(name) line \(pin) is held by \(who) (the kernel or another process); release it there first")
        }
        return .system(operation: "requesting", path: "\(name) line \(pin)", errno: errno)
    }

    /// Requests the line as an output with `initial` (one ioctl that sets direction and value
    /// together) or as an input, with `pull` as the kernel's bias flag.
    public func claimLine(_ pin: Int, initial: Level?, pull: Pull?) throws(StrobeError) -> Claimed<GpiodLine> {
        var settings = strobe_gpiod_settings()
        settings.direction = Int32((initial == nil ? STROBE_GPIOD_INPUT : STROBE_GPIOD_OUTPUT).rawValue)
        settings.bias = bias(pull)
        return try claimRequest(pin, settings: settings, value: initial ?? .low)
    }

    /// Requests `pin` alone with `settings` (an output starting at `value`) and records the claim.
    func claimRequest(_ pin: Int, settings: strobe_gpiod_settings, value: Level) throws(StrobeError) -> Claimed<GpiodLine> {
        try validate(pin)
        var request: GpiodRequest?
        let token = try claims.claim(pin) { () throws(StrobeError) -> LineRequest in
            var offset = UInt32(pin)
            var v: Int32 = value.isHigh ? 1 : 0
            var s = settings
            var handle: OpaquePointer?
            let rc = strobe_gpiod_request(chip, &offset, &v, 1, &s, &handle)
            guard rc == 0, let handle else { throw busy(pin, rc) }
            let made = GpiodRequest(handle)
            request = made
            return LineRequest(request: made)
        }
        return Claimed(line: GpiodLine(request: request!, offset: UInt32(pin), bias: settings.bias), token: token)
    }

    /// Releases the request. The line goes back to the kernel, whose GPIO driver decides what
    /// happens to it (pinctrl-bcm2835 keeps the last direction and level); `keepState` cannot
    /// change that.
    ///
    /// A pin still held is not left dangling: the request is revoked, not freed — its later
    /// sets and reads do nothing (they return -EBADF inside, never reaching a descriptor that
    /// another file may have reused), and a call in progress on another thread finishes before
    /// the line is given back. The memory goes when the last pin handle does.
    public func releaseLine(_ pin: Int, token: UInt64, keepState: Bool) {
        claims.release(pin, token: token) { saved in if saved.owner { saved.request.revoke() } }
    }

    /// Releases every line this process requested through this chip. Safe while other threads
    /// are using the pins (e.g. from ``GPIOController/restoreOnTermination(signals:gate:beforeRelease:beforeExit:)``):
    /// see ``releaseLine(_:token:keepState:)``.
    public func releaseAll() {
        for (pin, token) in claims.all { releaseLine(pin, token: token, keepState: false) }
    }

    /// One ioctl: GPIOHANDLE_SET_LINE_VALUES (libgpiod 1.6) or GPIO_V2_LINE_SET_VALUES (2.x).
    @inlinable @inline(__always)
    public static func set(_ line: GpiodLine) { _ = strobe_gpiod_set(line.request.lines, 0, 1) }
    /// One ioctl: GPIOHANDLE_SET_LINE_VALUES (libgpiod 1.6) or GPIO_V2_LINE_SET_VALUES (2.x).
    @inlinable @inline(__always)
    public static func clear(_ line: GpiodLine) { _ = strobe_gpiod_set(line.request.lines, 0, 0) }
    /// A read (one ioctl) and a write (one ioctl).
    @inlinable @inline(__always)
    public static func toggle(_ line: GpiodLine) {
        let lines = line.request.lines
        _ = strobe_gpiod_set(lines, 0, strobe_gpiod_get(lines, 0) == 1 ? 0 : 1)
    }
    /// One ioctl: GPIOHANDLE_GET_LINE_VALUES (libgpiod 1.6) or GPIO_V2_LINE_GET_VALUES (2.x).
    @inlinable @inline(__always)
    public static func read(_ line: GpiodLine) -> Bool { strobe_gpiod_get(line.request.lines, 0) == 1 }

    /// Claims several output lines of one 32-line bank as one kernel request, for mask writes:
    /// one ioctl sets or clears any subset of them together (libgpiod 2.x sends only the lines
    /// a mask names; 1.6 resends the others at their last level).
    /// - Parameters:
    ///   - pins: line offsets, all in one bank (`pin / 32` equal), each once; at most 64.
    ///   - initial: the level every line starts at (set by the request itself).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for an empty list, a repeated pin or pins
    ///   spanning two banks; ``StrobeError/invalidLine(_:chip:count:)``; ``StrobeError/pinInUse(_:)``
    ///   when this process holds one of them; ``StrobeError/lineBusy(_:detail:)`` when the kernel
    ///   or another process does.
    public func outputs(_ pins: [Int], initial: Level = .low) throws(StrobeError) -> GpiodOutputGroup {
        let first = try checkOutputGroup(pins, plural: "lines", singular: "line", validate: validate)
        guard pins.count <= Int(STROBE_GPIOD_MAX_LINES) else {
            throw .invalidArgument("an output group of \(pins.count) lines: one kernel request holds at most \(STROBE_GPIOD_MAX_LINES)")
        }
        for pin in pins where claims.isClaimed(pin) { throw .pinInUse(pin) }
        var request: GpiodRequest?
        let token = try claims.claim(first) { () throws(StrobeError) -> LineRequest in
            var offsets = pins.map { UInt32($0) }
            var values = [Int32](repeating: initial.isHigh ? 1 : 0, count: pins.count)
            var handle: OpaquePointer?
            let rc = strobe_gpiod_request_output(chip, &offsets, &values, pins.count, bias(nil), &handle)
            guard rc == 0, let handle else {
                // Name the line that is busy, not just the first one.
                let held = pins.first { (try? holder(of: $0)).flatMap { $0 } != nil } ?? first
                throw busy(held, rc)
            }
            let made = GpiodRequest(handle)
            request = made
            return LineRequest(request: made)
        }
        var claimed = [first]
        do {
            for pin in pins.dropFirst() {
                _ = try claims.claim(pin, token: token) { () throws(StrobeError) -> LineRequest in LineRequest(request: request!, owner: false) }
                claimed.append(pin)
            }
        } catch {
            for pin in claimed.reversed() { releaseLine(pin, token: token, keepState: false) }
            throw error
        }
        return GpiodOutputGroup(chip: self, pins: pins, request: request!, token: token)
    }

    /// Edge events from the kernel: the line is requested for events, and each one carries the
    /// kernel's own timestamp (CLOCK_MONOTONIC).
    public func edgeSource(pin: Int, edge: Edge, pull: Pull?) throws(StrobeError) -> any EdgeSource {
        try edgeSource(pin: pin, edge: edge, pull: pull, kernelDebounce: .zero)
    }

    /// Edge events from the kernel, debounced by the kernel: it reports an edge only once the
    /// line has held its new level for `kernelDebounce` (in the GPIO hardware where the chip
    /// can, in gpiolib otherwise), so a bounce never reaches user space. uAPI v2 only.
    /// - Parameter kernelDebounce: 0 or more, whole microseconds up to 4294 s.
    /// - Throws: ``StrobeError/unsupported(_:)`` with libgpiod 1.6 (uAPI v1 has no debounce),
    ///   ``StrobeError/outOfRange(parameter:value:range:)`` for a negative or too long time, and the errors of
    ///   ``claimLine(_:initial:pull:)``.
    public func edgeSource(pin: Int, edge: Edge, pull: Pull?, kernelDebounce: Duration) throws(StrobeError) -> any EdgeSource {
        try validate(pin)
        let micros = try Self.debounceMicroseconds(kernelDebounce)
        var settings = strobe_gpiod_settings()
        settings.direction = Int32(STROBE_GPIOD_INPUT.rawValue)
        settings.bias = bias(pull)
        settings.edge = edge.cValue
        settings.debounce_us = micros
        let claimed = try claimRequest(pin, settings: settings, value: .low)
        return GpiodEdgeSource(chip: self, pin: pin, token: claimed.token, request: claimed.line.request)
    }

    /// Watches `pin` for edges debounced by the kernel (see
    /// ``edgeSource(pin:edge:pull:kernelDebounce:)``), then by `bounce` as
    /// ``GPIOController/monitor(_:edge:pull:bounce:onEdge:)`` does (`.zero`: no second filter;
    /// 0…1 h, else ``StrobeError/outOfRange(parameter:value:range:)``).
    public func monitor(_ pin: Int, edge: Edge = .both, pull: Pull? = nil, kernelDebounce: Duration, bounce: Duration = .zero,
                        onEdge: (@Sendable (EdgeEvent) -> Void)? = nil) throws(StrobeError) -> EdgeMonitor {
        _ = try Checked.nanoseconds(bounce, "the bounce time", maximum: maximumBounceNanoseconds)
        let source = try edgeSource(pin: pin, edge: edge, pull: pull, kernelDebounce: kernelDebounce)
        return EdgeMonitor(source: source, edge: edge, bounce: bounce, onEdge: onEdge)
    }

    /// `time` in whole microseconds for the kernel (rounded up), checked.
    static func debounceMicroseconds(_ time: Duration) throws(StrobeError) -> UInt32 {
        guard time >= .zero, time <= .microseconds(Int64(UInt32.max)) else {
            throw .outOfRange(parameter: "the kernel debounce", value: "\(time)", range: "0…\(UInt32.max) µs (what the kernel takes)")
        }
        guard time > .zero else { return 0 }
        guard apiGeneration >= 2 else {
            throw .unsupported("kernel debounce needs libgpiod 2 (the kernel's GPIO uAPI v2); this Strobe was built against libgpiod \(libraryVersion): debounce in software with `bounce` instead, or build against libgpiod 2.x")
        }
        let (seconds, attoseconds) = time.components
        return UInt32(seconds * 1_000_000 + (attoseconds + 999_999_999_999) / 1_000_000_000_000)
    }
}

/// The C core's request (`strobe_gpiod_lines *`), shared by the claim that owns it and every
/// handle that reaches it, and freed with the last of them: a claim's end (its pin dropped,
/// ``GpiodChip/releaseAll()``, a signal) only revokes it, so a handle that outlives its claim
/// never touches freed memory or a closed descriptor — its calls return -EBADF inside.
@usableFromInline
final class GpiodRequest: @unchecked Sendable {
    // Sendable: the C request serializes every call, and a revoke, with its own lock.
    @usableFromInline let lines: OpaquePointer

    init(_ lines: OpaquePointer) { self.lines = lines }

    /// Gives the lines back to the kernel; later calls on the request do nothing (-EBADF).
    func revoke() { strobe_gpiod_revoke(lines) }

    /// Whether the claim that owned the request has ended.
    var isRevoked: Bool { strobe_gpiod_is_revoked(lines) != 0 }

    deinit { strobe_gpiod_release(lines) }
}

/// The libgpiod backend's line: one request of one line, with its offset and the bias it was
/// requested with (kept when ``GpiodChip/makeInput(_:)`` reconfigures it).
public struct GpiodLine: Sendable {
    @usableFromInline let request: GpiodRequest
    @usableFromInline let offset: UInt32
    @usableFromInline let bias: Int32

    init(request: GpiodRequest, offset: UInt32, bias: Int32) {
        self.request = request
        self.offset = offset
        self.bias = bias
    }

    /// Whether the claim behind this line has ended (the pin was released, by
    /// ``GpiodChip/releaseAll()`` for instance): every set and read is then a no-op, and the
    /// direction calls throw ``StrobeError/system(operation:path:errno:)`` with `EBADF`.
    public var isReleased: Bool { request.isRevoked }

    /// The C core's request handle (`strobe_gpiod_lines *`), for C loops that measure against
    /// the Swift path (`strobe bench`); not part of the stable API. Valid while the line is.
    @_spi(StrobeInternals) public var cRequest: OpaquePointer { request.lines }
}

/// Output lines of one chip bank in one kernel request, written together: one ioctl sets or
/// clears any subset (made by ``GpiodChip/outputs(_:initial:)``).
///
/// Masks use line offsets within the bank, as ``OutputGroup`` does for registers (bit n is line
/// n of bank 0, line 32+n of bank 1); bits of lines outside the group are ignored. Lines of the
/// group whose bit is clear keep their level. Dropping the group releases the request (the lines
/// go back to the kernel).
public struct GpiodOutputGroup: ~Copyable, @unchecked Sendable {
    // Sendable: the kernel serializes ioctls on the request; the C core's copy of the levels is
    // written by one owner at a time, which ~Copyable guarantees.
    /// The line offsets in the group, in request order.
    public let pins: [Int]
    /// The group's lines as a bank mask.
    public let mask: UInt32
    @usableFromInline let handle: GpiodRequest
    @usableFromInline var request: OpaquePointer { handle.lines }
    var claim: Claim<GpiodChip>

    /// The C core's request handle (`strobe_gpiod_lines *`), for C loops that measure against
    /// the Swift path (`strobe bench`); not part of the stable API.
    @_spi(StrobeInternals) public var cRequest: OpaquePointer { request }

    init(chip: GpiodChip, pins: [Int], request: GpiodRequest, token: UInt64) {
        self.pins = pins
        self.handle = request
        self.mask = strobe_gpiod_bank_mask(request.lines)
        self.claim = Claim(controller: chip, pins: pins, token: token)
    }

    /// Drives high every group line whose bit is set in `bits`: one ioctl.
    @inlinable @inline(__always)
    public func set(mask bits: UInt32) { _ = strobe_gpiod_write_bits(request, bits, 1) }

    /// Drives low every group line whose bit is set in `bits`: one ioctl.
    @inlinable @inline(__always)
    public func clear(mask bits: UInt32) { _ = strobe_gpiod_write_bits(request, bits, 0) }

    /// Drives every group line to its bit in `bits`: one ioctl (the lines change together).
    @inlinable @inline(__always)
    public func write(mask bits: UInt32) { _ = strobe_gpiod_write_levels(request, bits) }

    /// The levels of the group's lines as a bank mask: one ioctl.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public func read() throws(StrobeError) -> UInt32 {
        var values = [Int32](repeating: 0, count: pins.count)
        let rc = strobe_gpiod_get_all(request, &values)
        try StrobeError.check(rc, "reading", "lines \(pins.map(String.init).joined(separator: ", "))")
        var bits: UInt32 = 0
        for (pin, v) in zip(pins, values) where v != 0 { bits |= 1 << UInt32(pin % 32) }
        return bits
    }

    /// Gives the lines back to the kernel.
    public consuming func release() {}
}

/// Kernel edge events of one line, read from the request's file descriptor.
final class GpiodEdgeSource: EdgeSource, @unchecked Sendable {
    // Sendable: reads happen on the monitor thread, and in stop() only after it was joined.
    let pin: Int
    let chip: GpiodChip
    let token: UInt64
    let handle: GpiodRequest
    var request: OpaquePointer { handle.lines }
    // After a revoke this is -EBADF, which poll() skips: the monitor then just waits out its
    // 50 ms. Between reading the number and polling it, a revoke may close it and another file
    // reuse it; poll() only watches, and drain() reads through the request's lock, which
    // refuses a revoked request.
    var fileDescriptor: Int32? { strobe_gpiod_event_fd(request) }
    var pollInterval: Duration { .milliseconds(50) }

    init(chip: GpiodChip, pin: Int, token: UInt64, request: GpiodRequest) {
        self.chip = chip
        self.pin = pin
        self.token = token
        self.handle = request
    }

    func drain() -> [EdgeEvent] {
        var out: [EdgeEvent] = []
        var ts: UInt64 = 0, offset: UInt32 = 0, rising: Int32 = 0
        while strobe_gpiod_read_event(request, 0, &ts, &offset, &rising) == 1 {
            out.append(EdgeEvent(pin: pin, rising: rising != 0, timestamp: ts))
        }
        return out
    }

    func close() { chip.releaseLine(pin, token: token, keepState: false) }
}
extension GpiodOutputGroup: OutputPinGroup {}
#endif
