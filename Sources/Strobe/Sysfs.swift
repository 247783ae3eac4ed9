import CStrobe
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The sysfs backend: `/sys/class/gpio`, deprecated by the kernel but present on most Pi
/// kernels. Lines are exported by global number (the chip's `base`, read from sysfs — kernels
/// since 6.6 number from 512 — plus the line offset); each write is one `pwrite` to a value file
/// kept open. sysfs has no pull resistors.
public final class SysfsGPIO: GPIOController, @unchecked Sendable {
    // Sendable: the chip facts are immutable; per-line fds belong to claims behind a mutex.

    /// The sysfs root, "/sys" on a real system.
    public let root: String
    /// The chip's directory name, e.g. "gpiochip512".
    public let chipName: String
    /// The chip's label, e.g. "pinctrl-bcm2835".
    public let label: String
    /// The chip's first global GPIO number.
    public let base: Int
    /// Number of lines; valid pins are `0..<pinCount`.
    public let pinCount: Int
    /// How long to wait for udev to make an exported line's files writable.
    public var exportTimeout: Duration = .seconds(2)
    let claims = ClaimTable<Exported>()

    struct Exported: Sendable {
        let file: SysfsValueFile
    }

    /// "sysfs (gpiochip512, pinctrl-bcm2835, base 512)".
    public var backendDescription: String { "sysfs (\(chipName), \(label), base \(base))" }

    /// Finds the chip under `root`/class/gpio: by `label`, or the Raspberry Pi's GPIO
    /// controller (pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1), else the chip with most lines.
    public init(root: String = "/sys", label: String? = nil) throws(StrobeError) {
        var chip = strobe_sysfs_chip()
        var rc: Int32 = -ENOENT
        if let label {
            rc = strobe_sysfs_find_chip(root, label, &chip)
        } else {
            for known in ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"] where rc == -ENOENT {
                rc = strobe_sysfs_find_chip(root, known, &chip)
            }
            if rc == -ENOENT { rc = strobe_sysfs_find_chip(root, nil, &chip) }
        }
        switch rc {
        case 0: break
        case -ENOENT:
            throw .unsupported("no GPIO chip\(label.map { " labelled \"\($0)\"" } ?? "") under \(root)/class/gpio: the kernel lacks CONFIG_GPIO_SYSFS, or this is not a Pi; use the libgpiod backend, or the virtual bench off a Pi")
        case -EINVAL:
            throw .malformedDeviceTree(detail: "a chip under \(root)/class/gpio has a base or ngpio file that is not a number")
        default:
            throw .system(operation: "reading", path: "\(root)/class/gpio", errno: Errno(cReturn: rc))
        }
        self.root = root
        chipName = cString(chip.name)
        self.label = cString(chip.label)
        base = Int(chip.base)
        pinCount = Int(chip.ngpio)
    }

    deinit { releaseAll() }

    func validate(_ pin: Int) throws(StrobeError) {
        guard pin >= 0, pin < pinCount else { throw .invalidLine(pin, chip: "\(chipName) (\(label))", count: pinCount) }
    }

    /// sysfs has no pull resistors: only `nil` or `.none` can be honoured.
    func refusePull(_ pull: Pull?, pin: Int, hint: String = "") throws(StrobeError) {
        if let pull, pull != .none {
            throw .unsupported("sysfs cannot set pull resistors (GPIO \(pin) pull \(pull)); \(hint)use the register or libgpiod backend")
        }
    }

    var timeoutMs: Int32 {
        Int32(clamping: exportTimeout.clampedNanoseconds / 1_000_000)
    }

    /// Exports `pin` and opens its value file, undoing the export if a later step fails.
    func export(_ pin: Int, direction: String?, edge: Edge?, readOnly: Bool) throws(StrobeError) -> Exported {
        let number = Int32(base + pin)
        let path = "\(root)/class/gpio/gpio\(number)"
        var rc = strobe_sysfs_export(root, number, timeoutMs)
        switch rc {
        case 0: break
        case -EBUSY:
            throw .lineBusy(pin, detail: "sysfs refused to export GPIO \(number) (\(chipName) line \(pin)): it is already exported, or the kernel or another process holds it")
        case -ETIMEDOUT:  // strobe_sysfs_export has already unexported the line again
            throw .permissionDenied(path: path)
        default:
            throw .system(operation: "exporting", path: "\(root)/class/gpio/export (GPIO \(number))", errno: Errno(cReturn: rc))
        }
        if let direction { rc = strobe_sysfs_set_direction(root, number, direction) }
        if rc == 0, let edge { rc = strobe_sysfs_set_edge(root, number, edge.cValue) }
        let fd = rc == 0 ? strobe_sysfs_open_value(root, number, readOnly ? 1 : 0) : rc
        if fd < 0 {
            _ = strobe_sysfs_unexport(root, number)
            throw .system(operation: "configuring", path: path, errno: Errno(cReturn: fd))
        }
        return Exported(file: SysfsValueFile(fd))
    }

    /// Exports the line, sets its direction ("high"/"low" make it an output at that level in
    /// one write, "in" an input) and keeps its value file open.
    /// - Throws: ``StrobeError/unsupported(_:)`` for a pull other than none: sysfs has none.
    public func claimLine(_ pin: Int, initial: Level?, pull: Pull?) throws(StrobeError) -> Claimed<SysfsLine> {
        try validate(pin)
        try refusePull(pull, pin: pin)
        var file: SysfsValueFile?
        let token = try claims.claim(pin) { () throws(StrobeError) -> Exported in
            let e = try export(pin, direction: initial.map { $0.isHigh ? "high" : "low" } ?? "in", edge: nil, readOnly: false)
            file = e.file
            return e
        }
        return Claimed(line: SysfsLine(file: file!, root: root, number: Int32(base + pin), pin: pin), token: token)
    }

    /// Lets go of the value file and, unless `keepState`, unexports the line.
    ///
    /// A pin still held is not left pointing at a descriptor another file may reuse: the value
    /// file's descriptor number stays taken, by a placeholder put there atomically (`dup3` of an
    /// `O_PATH` descriptor over it), until the last handle goes; the pin's writes and reads then
    /// fail with `EBADF` inside and reach no file. A write in progress on another thread
    /// finishes on the value file.
    public func releaseLine(_ pin: Int, token: UInt64, keepState: Bool) {
        claims.release(pin, token: token) { saved in
            saved.file.revoke()
            if !keepState { _ = strobe_sysfs_unexport(root, Int32(base + pin)) }
        }
    }

    /// Releases (and unexports) every line this process claimed. Safe while other threads use
    /// the pins: see ``releaseLine(_:token:keepState:)``.
    public func releaseAll() {
        for (pin, token) in claims.all { releaseLine(pin, token: token, keepState: false) }
    }

    /// One `pwrite` of "1".
    @inlinable @inline(__always)
    public static func set(_ line: SysfsLine) { _ = strobe_sysfs_write_value(line.file.fd, 1) }
    /// One `pwrite` of "0".
    @inlinable @inline(__always)
    public static func clear(_ line: SysfsLine) { _ = strobe_sysfs_write_value(line.file.fd, 0) }
    /// A `pread` and a `pwrite`.
    @inlinable @inline(__always)
    public static func toggle(_ line: SysfsLine) { _ = strobe_sysfs_write_value(line.file.fd, strobe_sysfs_read_value(line.file.fd) == 1 ? 0 : 1) }
    /// One `pread`.
    @inlinable @inline(__always)
    public static func read(_ line: SysfsLine) -> Bool { strobe_sysfs_read_value(line.file.fd) == 1 }

    /// Edges through `poll(POLLPRI)` on the value file with `edge` set; the timestamp is when the
    /// poll returned (sysfs gives none).
    public func edgeSource(pin: Int, edge: Edge, pull: Pull?) throws(StrobeError) -> any EdgeSource {
        try validate(pin)
        try refusePull(pull, pin: pin)
        var file: SysfsValueFile?
        let token = try claims.claim(pin) { () throws(StrobeError) -> Exported in
            let e = try export(pin, direction: "in", edge: edge, readOnly: true)
            file = e.file
            return e
        }
        return SysfsEdgeSource(gpio: self, pin: pin, token: token, file: file!)
    }
}

/// The sysfs backend's line: the open value file, and where its direction file is
/// (``SysfsGPIO/makeInput(_:)``).
public struct SysfsLine: Sendable {
    @usableFromInline let file: SysfsValueFile
    /// The sysfs root and the global GPIO number, for `gpioN/direction`.
    let root: String
    let number: Int32
    /// The line offset on the chip.
    let pin: Int

    init(file: SysfsValueFile, root: String, number: Int32, pin: Int) {
        self.file = file
        self.root = root
        self.number = number
        self.pin = pin
    }

    /// Whether the claim behind this line has ended (``SysfsGPIO/releaseAll()``, for instance):
    /// writes and reads then reach no file, and the direction calls throw
    /// ``StrobeError/pinReleased(_:)``.
    public var isReleased: Bool { file.isRevoked }

    /// The file descriptor of `gpioN/value`, for C loops that measure against the Swift path
    /// (`strobe bench`); not part of the stable API. Valid while the line is.
    @_spi(StrobeInternals) public var cFileDescriptor: Int32 { file.fd }
}

/// An open `gpioN/value`, shared by the claim and every handle of the line, closed with the last
/// of them. A claim's end only revokes it: `dup3` puts a placeholder (an `O_PATH` descriptor,
/// on which `pwrite` and `pread` fail with `EBADF`) over the descriptor number in one atomic
/// step, so the number stays taken — no other file can be opened under it and receive a stale
/// pin's "1" — and a `pwrite` already in the kernel completes on the value file it started on.
@usableFromInline
final class SysfsValueFile: Sendable {
    @usableFromInline let fd: Int32
    private let revoked = Atomic<Bool>(false)

    init(_ fd: Int32) { self.fd = fd }

    /// Whether ``revoke()`` ran.
    var isRevoked: Bool { revoked.load(ordering: .acquiring) }

    /// Puts the placeholder over the descriptor (once): ``strobe_sysfs_revoke_fd``. If no
    /// placeholder can be had, the value file stays open until the last handle goes: a stale
    /// write then reaches the (unexported) line's own file, never another one.
    func revoke() {
        guard !revoked.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = strobe_sysfs_revoke_fd(fd)
    }

    deinit { close(fd) }
}

/// Edges of a sysfs line: POLLPRI wakes the monitor, a `pread` tells the new level.
final class SysfsEdgeSource: EdgeSource, @unchecked Sendable {
    // Sendable: `level` is touched by the monitor thread, and by stop() after the join.
    let pin: Int
    let gpio: SysfsGPIO
    let token: UInt64
    let file: SysfsValueFile
    var fd: Int32 { file.fd }
    var fileDescriptor: Int32? { nil }  // POLLPRI is waited for in drain(), with a short timeout
    var pollInterval: Duration { .zero }
    private var level: Int32

    init(gpio: SysfsGPIO, pin: Int, token: UInt64, file: SysfsValueFile) {
        self.gpio = gpio
        self.pin = pin
        self.token = token
        self.file = file
        // A fresh value file reports POLLPRI at once (sysfs marks it changed when opened);
        // take that wake-up here so it isn't mistaken for a pulse.
        var now: Int32 = 0
        if strobe_sysfs_wait_edge(file.fd, 0, &now) != 1 { now = strobe_sysfs_read_value(file.fd) }
        level = now
    }

    func drain() -> [EdgeEvent] {
        var now: Int32 = 0
        let rc = strobe_sysfs_wait_edge(fd, 50, &now)
        guard rc == 1 else {
            // A released line's descriptor fails at once: wait as a poll would, don't spin.
            if rc < 0 { strobe_sleep_ns(50_000_000) }
            return []
        }
        let t = strobe_monotonic_ns()
        defer { level = now }
        if now == level { return [EdgeEvent(pin: pin, rising: now == 0, timestamp: t), EdgeEvent(pin: pin, rising: now == 1, timestamp: t)] }
        return [EdgeEvent(pin: pin, rising: now == 1, timestamp: t)]
    }

    func close() { gpio.releaseLine(pin, token: token, keepState: false) }
}
