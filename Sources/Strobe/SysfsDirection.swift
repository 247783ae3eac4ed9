import CStrobe
import SystemPackage

// Direction changes and open drain on the sysfs backend: each is one store to the line's
// `direction` attribute (open, write, close of /sys/class/gpio/gpioN/direction), which the
// kernel turns into gpiod_direction_input / gpiod_direction_output_raw.

extension SysfsGPIO {
    /// Exports `pin` as an input (`in` to `gpioN/direction`), released. sysfs has no pulls, so
    /// the bus's own pull-up resistor must make it read high: pass `pull: nil`.
    /// - Throws: ``StrobeError/unsupported(_:)`` for `.up` or `.down`, and the errors of
    ///   ``claimLine(_:initial:pull:)``.
    public func claimOpenDrainLine(_ pin: Int, pull: Pull?) throws(StrobeError) -> Claimed<SysfsLine> {
        try validate(pin)
        try refusePull(pull, pin: pin, hint: "an open-drain line on sysfs needs the bus's own pull-up (pass pull: nil), or ")
        return try claimLine(pin, initial: nil, pull: nil)
    }

    /// Writes `in` to `gpioN/direction`.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func makeInput(_ line: SysfsLine) throws(StrobeError) { try direction(line, "in") }

    /// Writes `high` or `low` to `gpioN/direction`: output and level in one store, no glitch.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func makeOutput(_ line: SysfsLine, level: Level) throws(StrobeError) {
        try direction(line, level.isHigh ? "high" : "low")
    }

    /// Open drain, drive low: writes `low` to `gpioN/direction`.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func openDrainLow(_ line: SysfsLine) throws(StrobeError) { try direction(line, "low") }

    /// Open drain, release: writes `in` to `gpioN/direction`.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func openDrainRelease(_ line: SysfsLine) throws(StrobeError) { try direction(line, "in") }

    private static func direction(_ line: SysfsLine, _ text: String) throws(StrobeError) {
        // A released line's directory belongs to whoever exports it next.
        guard !line.isReleased else { throw .pinReleased(line.pin) }
        let rc = strobe_sysfs_set_direction(line.root, line.number, text)
        guard rc < 0 else { return }
        throw .system(operation: "writing \"\(text)\" to", path: "\(line.root)/class/gpio/gpio\(line.number)/direction", errno: Errno(rawValue: -rc))
    }
}
