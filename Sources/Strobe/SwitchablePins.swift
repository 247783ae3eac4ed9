// Pins whose direction changes while they are held — what bit-banged I2C and 1-Wire need: a
// ``SwitchablePin`` (push-pull output or input, switched cheaply) and an ``OpenDrainPin``
// (drive low, or release to the pull-up). Generic over the controller like ``OutputPin``, so
// each call specializes to its backend's register store, ioctl or sysfs write.

/// How a ``SwitchablePin`` starts.
public enum PinDirection: Sendable, Hashable {
    /// An input with `pull` (nil: leave the pull as it is).
    case input(pull: Pull? = nil)
    /// A push-pull output driving `initial` from the first instant.
    case output(initial: Level = .low)
}

extension GPIOController {
    /// Claims `pin` as a GPIO whose direction changes while it is held
    /// (``SwitchablePin/makeInput()``, ``SwitchablePin/makeOutput(_:)``): the claim is what
    /// ``output(_:initial:pull:)`` or ``input(_:pull:)`` makes, and dropping the pin restores
    /// its previous state as they do.
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` or ``StrobeError/invalidLine(_:chip:count:)``,
    ///   ``StrobeError/pinInUse(_:)``, ``StrobeError/lineBusy(_:detail:)``,
    ///   ``StrobeError/unsupported(_:)`` for a pull the backend can't set (sysfs).
    public func switchable(_ pin: Int, as direction: PinDirection) throws(StrobeError) -> SwitchablePin<Self> {
        let claimed: Claimed<Line>
        switch direction {
        case .input(let pull): claimed = try claimLine(pin, initial: nil, pull: pull)
        case .output(let initial): claimed = try claimLine(pin, initial: initial, pull: nil)
        }
        return SwitchablePin(OutputPin(controller: self, number: pin, claimed: claimed))
    }

    /// Claims `pin` as an open-drain output, released (reading high through `pull`):
    /// registers preset the output latch low and switch direction (GPFSELn / RP1 SYS_RIO OE);
    /// libgpiod requests the line with the kernel's open-drain drive flag
    /// (GPIOHANDLE_REQUEST_OPEN_DRAIN / GPIO_V2_LINE_FLAG_OPEN_DRAIN; gpiolib emulates it on
    /// chips without it); sysfs writes `low` or `in` to the direction file.
    /// - Parameter pull: the pull that makes a released line read high; `nil` leaves the pull
    ///   as it is (a bus with its own pull-up resistors; the only choice on sysfs).
    /// - Throws: the errors of ``switchable(_:as:)``.
    public func openDrain(_ pin: Int, pull: Pull? = .up) throws(StrobeError) -> OpenDrainPin<Self> {
        let claimed = try claimOpenDrainLine(pin, pull: pull)
        return OpenDrainPin(OutputPin(controller: self, number: pin, claimed: claimed))
    }
}

/// A claimed pin that switches between push-pull output and input while held, on any backend:
/// ``makeOutput(_:)`` and ``makeInput()`` change only the direction — registers: one GPFSELn
/// read-modify-write under the board's lock (BCM2835/6/7, BCM2711) or one store to the
/// SYS_RIO0 OE SET/CLR alias (RP1, FUNCSEL stays SYS_RIO); libgpiod: one reconfigure ioctl of
/// the held request (GPIOHANDLE_SET_CONFIG / GPIO_V2_LINE_SET_CONFIG), so nobody can take the
/// line in between; sysfs: a write of `in`, `high` or `low` to `gpioN/direction`.
///
/// One owner at a time; dropping it gives the pin back and restores its previous function and
/// pull where the backend can (``keep()`` leaves it as it is).
///
/// Sendable: as ``OutputPin`` — register writes are single stores or locked read-modify-writes,
/// and the kernel serializes ioctls and writes.
public struct SwitchablePin<Controller: GPIOController>: ~Copyable, @unchecked Sendable {
    // The claim and the hot path are an OutputPin's; only the direction calls are new.
    @usableFromInline let pin: OutputPin<Controller>

    /// The GPIO number (line offset).
    public var number: Int { pin.number }
    /// The backend's handle for this line.
    @inlinable public var line: Controller.Line { pin.line }

    init(_ pin: consuming OutputPin<Controller>) { self.pin = pin }

    /// Makes the pin a push-pull output driving `level`, without a glitch to the other level:
    /// registers store the level to GPSETn/GPCLRn (RIO OUT SET/CLR) first, then switch the
    /// direction; libgpiod sets both in one reconfigure ioctl; sysfs writes `high` or `low`.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses (never on
    ///   registers).
    @inlinable @inline(__always)
    public func makeOutput(_ level: Level) throws(StrobeError) { try Controller.makeOutput(pin.line, level: level) }

    /// Makes the pin an input, keeping its pull.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses (never on
    ///   registers).
    @inlinable @inline(__always)
    public func makeInput() throws(StrobeError) { try Controller.makeInput(pin.line) }

    /// Drives the pin high, as an output (one store to GPSETn / RIO OUT SET; one ioctl; one
    /// `pwrite`). On registers, called as an input it sets the latch the next output drives.
    @inlinable @inline(__always)
    public func set() { pin.set() }

    /// Drives the pin low, as an output (one store to GPCLRn / RIO OUT CLR; one ioctl; one `pwrite`).
    @inlinable @inline(__always)
    public func clear() { pin.clear() }

    /// Drives the pin to `level`, as an output.
    @inlinable @inline(__always)
    public func write(_ level: Level) { pin.write(level) }

    /// The level on the pin, in either direction (one load of GPLEVn / RIO SYNC_IN, one ioctl,
    /// or one `pread`).
    @inlinable @inline(__always)
    public func read() -> Level { pin.read() }

    /// Gives the pin back and leaves it as it is now (where the backend can).
    public consuming func keep() { pin.keep() }

    /// Gives the pin back, restoring its previous state (the same as dropping it).
    public consuming func release() {}
}

/// An open-drain output on any backend: ``driveLow()`` pulls the line low, ``release()`` lets
/// go and the pull-up — or another device on the bus pulling low — decides the level, which
/// ``read()`` reports. What I2C's SDA/SCL and the 1-Wire data line need.
///
/// - Registers: the output latch is preset low once when claimed; driving low makes the pin an
///   output, releasing makes it an input — BCM one GPFSELn read-modify-write under the board's
///   lock, RP1 one store to the SYS_RIO0 OE SET or CLR alias.
/// - libgpiod: the line is requested with the kernel's open-drain flag, and each call is one
///   set-values ioctl (0 drives low, 1 releases); gpiolib switches the line to input for 1 on
///   chips without hardware open drain.
/// - sysfs: a write of `low` or `in` to `gpioN/direction`.
///
/// Dropping it gives the pin back and restores its previous state as ``OutputPin`` does.
///
/// Sendable: as ``OutputPin``.
public struct OpenDrainPin<Controller: GPIOController>: ~Copyable, @unchecked Sendable {
    @usableFromInline let pin: OutputPin<Controller>

    /// The GPIO number (line offset).
    public var number: Int { pin.number }
    /// The backend's handle for this line.
    @inlinable public var line: Controller.Line { pin.line }

    init(_ pin: consuming OutputPin<Controller>) { self.pin = pin }

    /// Pulls the line low.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses (never on
    ///   registers).
    @inlinable @inline(__always)
    public func driveLow() throws(StrobeError) { try Controller.openDrainLow(pin.line) }

    /// Lets go of the line: it reads high through the pull-up unless another device pulls it low.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses (never on
    ///   registers).
    @inlinable @inline(__always)
    public func release() throws(StrobeError) { try Controller.openDrainRelease(pin.line) }

    /// `.low` drives low, `.high` releases.
    @inlinable @inline(__always)
    public func write(_ level: Level) throws(StrobeError) {
        if level.isHigh { try Controller.openDrainRelease(pin.line) } else { try Controller.openDrainLow(pin.line) }
    }

    /// The level on the line — what the bus carries, whoever drives it (one load of GPLEVn /
    /// RIO SYNC_IN, one ioctl, or one `pread`).
    @inlinable @inline(__always)
    public func read() -> Level { pin.read() }

    /// Gives the pin back and leaves it as it is now (where the backend can).
    public consuming func keep() { pin.keep() }
}
