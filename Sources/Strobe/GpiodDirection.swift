#if Libgpiod
import CStrobeGpiod
import SystemPackage

// Direction changes and open drain on the libgpiod backend, and the kernel's line info.

extension GpiodChip {
    /// Requests `pin` as an output with the kernel's open-drain drive flag
    /// (GPIOHANDLE_REQUEST_OPEN_DRAIN in uAPI v1, GPIO_V2_LINE_FLAG_OPEN_DRAIN in v2) at 1 —
    /// released — with `pull` as the bias flag: one request ioctl. gpiolib drives open drain in
    /// hardware where the chip can, and otherwise emulates it by making the line an input for 1.
    /// - Throws: the errors of ``claimLine(_:initial:pull:)``.
    public func claimOpenDrainLine(_ pin: Int, pull: Pull?) throws(StrobeError) -> Claimed<GpiodLine> {
        var settings = strobe_gpiod_settings()
        settings.direction = Int32(STROBE_GPIOD_OUTPUT.rawValue)
        settings.bias = bias(pull)
        settings.drive = Int32(STROBE_GPIOD_DRIVE_OPEN_DRAIN.rawValue)
        return try claimRequest(pin, settings: settings, value: .high)
    }

    /// Reconfigures the held request as an input with the bias it was requested with: one
    /// ioctl (GPIOHANDLE_SET_CONFIG with libgpiod 1.6, GPIO_V2_LINE_SET_CONFIG with 2.x).
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func makeInput(_ line: GpiodLine) throws(StrobeError) {
        var settings = strobe_gpiod_settings()
        settings.direction = Int32(STROBE_GPIOD_INPUT.rawValue)
        settings.bias = line.bias
        try check(strobe_gpiod_reconfigure(line.request.lines, &settings, nil), line, "making an input of")
    }

    /// Reconfigures the held request as a push-pull output at `level` — direction and value in
    /// one ioctl (GPIOHANDLE_SET_CONFIG / GPIO_V2_LINE_SET_CONFIG).
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func makeOutput(_ line: GpiodLine, level: Level) throws(StrobeError) {
        var settings = strobe_gpiod_settings()
        settings.direction = Int32(STROBE_GPIOD_OUTPUT.rawValue)
        settings.bias = line.bias
        var value: Int32 = level.isHigh ? 1 : 0
        try check(strobe_gpiod_reconfigure(line.request.lines, &settings, &value), line, "making an output of")
    }

    /// Open drain, drive low: one set-values ioctl with 0 (GPIOHANDLE_SET_LINE_VALUES /
    /// GPIO_V2_LINE_SET_VALUES).
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func openDrainLow(_ line: GpiodLine) throws(StrobeError) {
        try check(strobe_gpiod_set(line.request.lines, 0, 0), line, "driving low")
    }

    /// Open drain, release: one set-values ioctl with 1; the line floats to its pull-up.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public static func openDrainRelease(_ line: GpiodLine) throws(StrobeError) {
        try check(strobe_gpiod_set(line.request.lines, 0, 1), line, "releasing")
    }

    private static func check(_ rc: Int32, _ line: GpiodLine, _ operation: String) throws(StrobeError) {
        guard rc < 0 else { return }
        if rc == -Errno.badFileDescriptor.rawValue, line.isReleased { throw .pinReleased(Int(line.offset)) }
        throw .system(operation: operation, path: "libgpiod line \(line.offset)", errno: Errno(rawValue: -rc))
    }

    /// What the kernel says about `pin` now, as `gpioinfo` prints it: one line-info ioctl
    /// (GPIO_GET_LINEINFO_IOCTL with libgpiod 1.6, GPIO_V2_GET_LINEINFO_IOCTL with 2.x).
    /// - Throws: ``StrobeError/invalidLine(_:chip:count:)``, or
    ///   ``StrobeError/system(operation:path:errno:)`` when the kernel refuses.
    public func lineInfo(_ pin: Int) throws(StrobeError) -> GpiodLineInfo {
        try validate(pin)
        var info = strobe_gpiod_line_info()
        let rc = strobe_gpiod_line_info_get(chip, UInt32(pin), &info)
        if rc < 0 { throw .system(operation: "reading line info of", path: "\(name) line \(pin)", errno: Errno(rawValue: -rc)) }
        return GpiodLineInfo(info)
    }
}

/// One line as the kernel describes it (``GpiodChip/lineInfo(_:)``): what `gpioinfo` prints.
public struct GpiodLineInfo: Sendable, Hashable, CustomStringConvertible {
    /// How a line drives its output.
    public enum Drive: String, Sendable, Hashable {
        /// Drives both levels.
        case pushPull = "push-pull"
        /// Drives low only; high is the pull-up's.
        case openDrain = "open-drain"
        /// Drives high only.
        case openSource = "open-source"
    }

    /// The line offset.
    public var offset: Int
    /// The line's name from the device tree, "" when it has none.
    public var name: String
    /// Whether the kernel or a process holds the line.
    public var isUsed: Bool
    /// Who holds it ("strobe", a driver's name), "" when free or unnamed.
    public var consumer: String
    /// Whether the line is an output (`false`: an input).
    public var isOutput: Bool
    /// The output drive the line is configured with.
    public var drive: Drive
    /// The bias the kernel reports; `nil` when it reports none (unknown or as it was).
    public var bias: Pull?
    /// Whether the line's value is inverted.
    public var isActiveLow: Bool

    init(_ c: strobe_gpiod_line_info) {
        offset = Int(c.offset)
        name = cString(c.name)
        consumer = cString(c.consumer)
        isUsed = c.used != 0
        isOutput = c.direction == Int32(STROBE_GPIOD_OUTPUT.rawValue)
        switch UInt32(bitPattern: c.drive) {
        case STROBE_GPIOD_DRIVE_OPEN_DRAIN.rawValue: drive = .openDrain
        case STROBE_GPIOD_DRIVE_OPEN_SOURCE.rawValue: drive = .openSource
        default: drive = .pushPull
        }
        switch UInt32(bitPattern: c.bias) {
        case STROBE_GPIOD_BIAS_DISABLE.rawValue: bias = Pull.none
        case STROBE_GPIOD_BIAS_PULL_UP.rawValue: bias = .up
        case STROBE_GPIOD_BIAS_PULL_DOWN.rawValue: bias = .down
        default: bias = nil
        }
        isActiveLow = c.active_low != 0
    }

    /// One `gpioinfo`-like line: `line   5: unnamed "strobe" output open-drain pull-up`.
    public var description: String {
        var words = ["line \(offset):", name.isEmpty ? "unnamed" : "\"\(name)\"", isUsed ? "\"\(consumer.isEmpty ? "kernel" : consumer)\"" : "unused",
                     isOutput ? "output" : "input", drive.rawValue]
        if let bias { words.append(bias == .none ? "bias-disabled" : "pull-\(bias)") }
        if isActiveLow { words.append("active-low") }
        return words.joined(separator: " ")
    }
}
#endif
