public import CStrobe

/// One claim on the board's pin table; giving it up (deinit) releases the pins, restoring their
/// previous function and pull unless `keepsState`. Pin handles hold one, so release logic lives
/// in one place.
struct Claim: ~Copyable {
    let board: Board
    let pins: [Int]
    let token: UInt64
    var keepsState = false

    init(board: Board, pins: [Int], token: UInt64) {
        self.board = board
        self.pins = pins
        self.token = token
    }

    deinit { for pin in pins { board.release(pin, token: token, keepState: keepsState) } }
}

/// A pin claimed as an output. One owner at a time; dropping it restores the pin's previous
/// function and pull (``keep()`` leaves the pin as it is instead).
///
/// The hot path — ``set()``, ``clear()``, ``write(_:)`` — is `@inlinable` down to the C core's
/// `static inline` accessors: each call is one store to GPSETn/GPCLRn (BCM) or to the SYS_RIO
/// OUT SET/CLR alias (RP1), with the register address and mask held in the handle.
///
/// Sendable: every operation is a single store to a write-1-to-set/clear or atomic-alias
/// register (toggle on BCM is a read then a store), so handles may move between threads.
public struct OutputPin: ~Copyable, @unchecked Sendable {
    /// The GPIO number.
    public let number: Int
    @usableFromInline let port: strobe_port
    var claim: Claim

    init(board: Board, number: Int, port: strobe_port, token: UInt64) {
        self.number = number
        self.port = port
        self.claim = Claim(board: board, pins: [number], token: token)
    }

    /// Drives the pin high: one store to GPSETn / RIO OUT SET.
    @inlinable @inline(__always)
    public func set() { strobe_port_set(port) }

    /// Drives the pin low: one store to GPCLRn / RIO OUT CLR.
    @inlinable @inline(__always)
    public func clear() { strobe_port_clear(port) }

    /// Drives the pin to `level`: one store.
    @inlinable @inline(__always)
    public func write(_ level: Level) {
        if level.isHigh { strobe_port_set(port) } else { strobe_port_clear(port) }
    }

    /// Inverts the pin: one store to the RP1 XOR alias; on BCM a GPLEVn read and a store.
    @inlinable @inline(__always)
    public func toggle() { strobe_port_toggle(port) }

    /// The level on the pin (GPLEVn / RIO SYNC_IN). On RP1 a read costs ~0.3 µs over PCIe.
    @inlinable @inline(__always)
    public func read() -> Level { Level(strobe_port_read(port)) }

    /// Gives the pin back and leaves it as it is now (an output at its current level).
    public consuming func keep() { claim.keepsState = true }

    /// Gives the pin back, restoring its previous function and pull (the same as dropping it).
    public consuming func release() {}
}

/// A pin claimed as an input. Dropping it restores the pin's previous function and pull.
public struct InputPin: ~Copyable, @unchecked Sendable {
    /// The GPIO number.
    public let number: Int
    @usableFromInline let port: strobe_port
    var claim: Claim

    init(board: Board, number: Int, port: strobe_port, token: UInt64) {
        self.number = number
        self.port = port
        self.claim = Claim(board: board, pins: [number], token: token)
    }

    /// The level on the pin: one load of GPLEVn / RIO SYNC_IN.
    @inlinable @inline(__always)
    public func read() -> Level { Level(strobe_port_read(port)) }

    /// `true` when the pin reads high.
    @inlinable @inline(__always)
    public var isHigh: Bool { strobe_port_read(port) }

    /// Gives the pin back and leaves it configured as an input with its pull.
    public consuming func keep() { claim.keepsState = true }

    /// Gives the pin back, restoring its previous function and pull.
    public consuming func release() {}
}

/// Outputs of one 32-pin bank written together: one store sets or clears any subset.
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
    var claim: Claim

    init(board: Board, pins: [Int], port: strobe_port, token: UInt64) {
        self.pins = pins
        self.port = port
        self.claim = Claim(board: board, pins: pins, token: token)
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

extension OutputPin {
    /// The registers and mask that drive this pin, for handing to C code (e.g. a C loop that
    /// calls `strobe_port_set`). Valid while this handle is alive.
    @inlinable
    public var registerPort: strobe_port { port }
}

extension InputPin {
    /// The registers and mask of this pin, for handing to C code. Valid while this handle is alive.
    @inlinable
    public var registerPort: strobe_port { port }
}
