public import CStrobe

/// One claim on a controller's pin table; giving it up (deinit) releases the pins, restoring
/// their previous state unless `keepsState`. Pin handles hold one, so the release logic lives in
/// one place.
struct Claim<Controller: GPIOController>: ~Copyable {
    let controller: Controller
    let pins: [Int]
    let token: UInt64
    var keepsState = false

    init(controller: Controller, pins: [Int], token: UInt64) {
        self.controller = controller
        self.pins = pins
        self.token = token
    }

    deinit { for pin in pins { controller.releaseLine(pin, token: token, keepState: keepsState) } }
}

/// A pin claimed as an output, on any backend. One owner at a time; dropping it gives the pin
/// back and restores its previous function and pull where the backend can (``keep()`` leaves it
/// as it is instead).
///
/// The hot path — ``set()``, ``clear()``, ``write(_:)`` — is `@inlinable` and specializes per
/// backend: on a ``Board`` each call is one store to GPSETn/GPCLRn (BCM) or to the SYS_RIO OUT
/// SET/CLR alias (RP1); on a `GpiodChip` one ioctl (libgpiod 1.6 or 2.x); on ``SysfsGPIO``
/// one `pwrite` of the value file.
///
/// Sendable: register writes are single stores to write-1-to-set/clear or atomic-alias
/// registers, and the kernel serializes ioctls and writes, so a handle may move between threads.
public struct OutputPin<Controller: GPIOController>: ~Copyable, @unchecked Sendable {
    /// The GPIO number (line offset).
    public let number: Int
    /// The backend's handle for this line.
    public let line: Controller.Line
    var claim: Claim<Controller>

    init(controller: Controller, number: Int, claimed: Claimed<Controller.Line>) {
        self.number = number
        self.line = claimed.line
        self.claim = Claim(controller: controller, pins: [number], token: claimed.token)
    }

    /// Drives the pin high.
    @inlinable @inline(__always)
    public func set() { Controller.set(line) }

    /// Drives the pin low.
    @inlinable @inline(__always)
    public func clear() { Controller.clear(line) }

    /// Drives the pin to `level`.
    @inlinable @inline(__always)
    public func write(_ level: Level) {
        if level.isHigh { Controller.set(line) } else { Controller.clear(line) }
    }

    /// Inverts the pin (RP1: one store to the XOR alias; BCM: a level read and a store).
    @inlinable @inline(__always)
    public func toggle() { Controller.toggle(line) }

    /// The level on the pin.
    @inlinable @inline(__always)
    public func read() -> Level { Level(Controller.read(line)) }

    /// Gives the pin back and leaves it as it is now (where the backend can: libgpiod v1 lines
    /// return to the kernel, which may reset them).
    public consuming func keep() { claim.keepsState = true }

    /// Gives the pin back, restoring its previous state (the same as dropping it).
    public consuming func release() {}
}

/// A pin claimed as an input, on any backend. Dropping it restores its previous function and pull.
public struct InputPin<Controller: GPIOController>: ~Copyable, @unchecked Sendable {
    /// The GPIO number (line offset).
    public let number: Int
    /// The backend's handle for this line.
    public let line: Controller.Line
    var claim: Claim<Controller>

    init(controller: Controller, number: Int, claimed: Claimed<Controller.Line>) {
        self.number = number
        self.line = claimed.line
        self.claim = Claim(controller: controller, pins: [number], token: claimed.token)
    }

    /// The level on the pin (one load of GPLEVn / RIO SYNC_IN, one ioctl, or one `pread`).
    @inlinable @inline(__always)
    public func read() -> Level { Level(Controller.read(line)) }

    /// `true` when the pin reads high.
    @inlinable @inline(__always)
    public var isHigh: Bool { Controller.read(line) }

    /// Gives the pin back and leaves it configured as an input with its pull.
    public consuming func keep() { claim.keepsState = true }

    /// Gives the pin back, restoring its previous function and pull.
    public consuming func release() {}
}

/// Outputs of one 32-pin bank of a register block, written together: one store sets or clears
/// any subset.
///
/// Masks use GPIO bit positions within the bank (bit n is GPIO n for bank 0, GPIO 32+n for
/// bank 1); bits of pins outside the group are ignored, so the group never touches pins it
/// does not own.
public struct OutputGroup: ~Copyable, @unchecked Sendable {
    /// The GPIO numbers in the group.
    public let pins: [Int]
    /// The group's pins as a bank mask.
    public var mask: UInt32 { port.mask }
    @usableFromInline let port: strobe_port
    var claim: Claim<Board>

    init(board: Board, pins: [Int], port: strobe_port, token: UInt64) {
        self.pins = pins
        self.port = port
        self.claim = Claim(controller: board, pins: pins, token: token)
    }

    /// Drives high every group pin whose bit is set in `bits`: one store.
    @inlinable @inline(__always)
    public func set(mask bits: UInt32) { strobe_w32(port.set, bits & port.mask) }

    /// Drives low every group pin whose bit is set in `bits`: one store.
    @inlinable @inline(__always)
    public func clear(mask bits: UInt32) { strobe_w32(port.clr, bits & port.mask) }

    /// Drives every group pin to its bit in `bits`: two stores (set, then clear).
    @inlinable @inline(__always)
    public func write(mask bits: UInt32) {
        strobe_w32(port.set, bits & port.mask)
        strobe_w32(port.clr, ~bits & port.mask)
    }

    /// The levels of the group's pins as a bank mask: one load.
    @inlinable @inline(__always)
    public func read() -> UInt32 { strobe_r32(port.lev) & port.mask }

    /// Gives the pins back and leaves them as they are.
    public consuming func keep() { claim.keepsState = true }
}

/// The register backend's line: the registers and mask that drive one pin, and the board's
/// register handle and pin number for direction changes (``Board/makeInput(_:)``).
public struct RegisterLine: @unchecked Sendable {
    // Sendable: the pointers address the board's mapping and its `strobe_gpio` handle, which
    // the claim keeps alive; every hot-path access through them is a single load or store, and
    // the handle serializes its read-modify-writes with its own lock.
    @usableFromInline let port: strobe_port
    @usableFromInline let gpio: OpaquePointer
    @usableFromInline let pin: UInt32
    // What set() and clear() read, chosen so that both read the same two fields: the set
    // register's address, and one word holding the pin's bit number (low byte) and the XOR of
    // the set and clear registers' addresses (the rest). In a loop that sets on some passes and
    // clears on others, the compiler can then load both once, before the loop, and keep the
    // clear register's address in a register — as C does with a by-value strobe_port — instead
    // of reloading it before every clear (a load on only some passes can't be hoisted when the
    // compiler can't prove the pin's memory readable). XOR, not an offset: an added offset is
    // folded into each store's address and changes how the loop unrolls. An XOR of two user
    // addresses fits in 56 bits.
    @usableFromInline let setRegister: UnsafeMutablePointer<UInt32>
    @usableFromInline let bitAndClearXor: UInt64
    /// The claim's token, which direction changes show the C core (strobe_gpio_set_direction_owned)
    /// so that they stop when the claim ends.
    @usableFromInline let token: UInt64

    @usableFromInline
    init(port: strobe_port, gpio: OpaquePointer, pin: UInt32, token: UInt64) {
        self.port = port
        self.gpio = gpio
        self.pin = pin
        self.token = token
        setRegister = UnsafeMutablePointer(mutating: port.set)
        let xor = UInt(bitPattern: UnsafeMutablePointer(mutating: port.set)) ^ UInt(bitPattern: UnsafeMutablePointer(mutating: port.clr))
        // strobe_port_make gives each pin exactly one bit of its bank's registers.
        bitAndClearXor = UInt64(port.mask.trailingZeroBitCount & 31) | UInt64(xor) << 8
    }

    /// The pin's bit in its bank's set, clear and level registers.
    @inlinable @inline(__always)
    var mask: UInt32 { 1 &<< UInt32(truncatingIfNeeded: bitAndClearXor & 31) }

    /// GPCLRn / RIO OUT CLR alias.
    @inlinable @inline(__always)
    var clearRegister: UnsafeMutablePointer<UInt32> {
        UnsafeMutablePointer(bitPattern: UInt(bitPattern: setRegister) ^ UInt(truncatingIfNeeded: bitAndClearXor >> 8)).unsafelyUnwrapped
    }
}

extension OutputPin where Controller == Board {
    /// The registers and mask that drive this pin, for C loops that measure against the Swift
    /// path (`strobe bench`); not part of the stable API.
    @_spi(StrobeInternals) public var registerPort: strobe_port { line.port }
}

extension InputPin where Controller == Board {
    /// The registers and mask of this pin, for C loops; not part of the stable API.
    @_spi(StrobeInternals) public var registerPort: strobe_port { line.port }
}
