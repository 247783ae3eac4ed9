import CStrobe

// Direction changes of held pins on the register backend: what ``SwitchablePin`` and
// ``OpenDrainPin`` become on a ``Board`` (hardware, the virtual bench, RAM). Each is checked
// against the pin's claim under the handle's owner lock (strobe_gpio_set_direction_owned): once
// the claim has ended — releaseAll(), a termination signal — the change is a no-op, never a
// store to a pin that was restored or now belongs to someone else.

extension Board {
    /// Claims `pin` as an open-drain output, released: the GPIO input function (GPFSELn 000,
    /// or RP1 FUNCSEL SYS_RIO with OE clear) with `pull`, then one store of the pin's mask to
    /// GPCLRn / the SYS_RIO0 OUT CLR alias so the output latch holds 0. From then on driving low
    /// is only a direction change. Release restores the function and pull it had before.
    /// - Throws: the errors of ``claimLine(_:initial:pull:)``.
    public func claimOpenDrainLine(_ pin: Int, pull: Pull?) throws(StrobeError) -> Claimed<RegisterLine> {
        // Input first, then the latch: the pin never drives low on the way.
        let claimed = try claimLine(pin, initial: nil, pull: pull)
        strobe_port_clear(claimed.line.port)
        return claimed
    }

    /// Makes the pin an input, its pull untouched: BCM one GPFSELn read-modify-write under the
    /// board's lock (field 000); RP1 one store to the SYS_RIO0 OE CLR alias (+0x3000).
    @inlinable @inline(__always)
    public static func makeInput(_ line: RegisterLine) {
        _ = strobe_gpio_set_direction_owned(line.gpio, line.pin, line.token, 0)
    }

    /// Makes the pin an output driving `level`: one store to GPSETn/GPCLRn (RIO OUT SET/CLR)
    /// while it is still an input, then the direction — BCM one GPFSELn read-modify-write under
    /// the board's lock (field 001); RP1 one store to the SYS_RIO0 OE SET alias (+0x2000). The
    /// pin never drives the other level on the way.
    @inlinable @inline(__always)
    public static func makeOutput(_ line: RegisterLine, level: Level) {
        if level.isHigh { strobe_port_set(line.port) } else { strobe_port_clear(line.port) }
        _ = strobe_gpio_set_direction_owned(line.gpio, line.pin, line.token, 1)
    }

    /// Open drain, drive low: the latch already holds 0, so only the direction changes — BCM one
    /// GPFSELn read-modify-write under the board's lock; RP1 one store to the OE SET alias.
    @inlinable @inline(__always)
    public static func openDrainLow(_ line: RegisterLine) {
        _ = strobe_gpio_set_direction_owned(line.gpio, line.pin, line.token, 1)
    }

    /// Open drain, release: the pin becomes an input — BCM one GPFSELn read-modify-write under
    /// the board's lock; RP1 one store to the OE CLR alias.
    @inlinable @inline(__always)
    public static func openDrainRelease(_ line: RegisterLine) {
        _ = strobe_gpio_set_direction_owned(line.gpio, line.pin, line.token, 0)
    }
}
