public import CStrobe

/// A logic level on a pin.
@frozen
public enum Level: Sendable, Hashable, CustomStringConvertible {
    /// 0 V: logic 0.
    case low
    /// 3.3 V: logic 1.
    case high

    /// `.high` for `true`, `.low` for `false`.
    @inlinable
    public init(_ value: Bool) { self = value ? .high : .low }

    /// `true` when high.
    @inlinable
    public var isHigh: Bool { self == .high }

    /// The other level.
    @inlinable
    public var inverted: Level { self == .high ? .low : .high }

    /// `1` or `0`, as `gpioget` prints levels.
    public var description: String { self == .high ? "1" : "0" }
}

/// A pull resistor setting.
public enum Pull: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No pull: an undriven input floats.
    case none
    /// Pull up to 3.3 V.
    case up
    /// Pull down to ground.
    case down

    /// "none", "up" or "down".
    public var description: String {
        switch self {
        case .none: "none"
        case .up: "up"
        case .down: "down"
        }
    }

    @usableFromInline
    var cValue: Int32 {
        switch self {
        case .none: Int32(STROBE_PULL_NONE.rawValue)
        case .up: Int32(STROBE_PULL_UP.rawValue)
        case .down: Int32(STROBE_PULL_DOWN.rawValue)
        }
    }

    /// The pull for a C `strobe_pull` value; `nil` for "unknown".
    package init?(cValue: Int32) {
        switch UInt32(bitPattern: cValue) {
        case STROBE_PULL_NONE.rawValue: self = .none
        case STROBE_PULL_UP.rawValue: self = .up
        case STROBE_PULL_DOWN.rawValue: self = .down
        default: return nil
        }
    }
}

/// What a pin is connected to inside the SoC.
public enum PinFunction: Sendable, Hashable, CustomStringConvertible {
    /// GPIO input (BCM FSEL 000; RP1 FUNCSEL 5 with output enable clear).
    case input
    /// GPIO output (BCM FSEL 001; RP1 FUNCSEL 5 with output enable set).
    case output
    /// Alternate function `n`: ALT0–ALT5 on BCM283x/BCM2711, a0–a8 on RP1.
    case alt(Int)
    /// Connected to nothing (RP1 FUNCSEL 0x1f).
    case none

    /// "input", "output", "alt3" or "none".
    public var description: String {
        switch self {
        case .input: "input"
        case .output: "output"
        case .alt(let n): "alt\(n)"
        case .none: "none"
        }
    }

    /// Parses "in", "input", "ip", "out", "output", "op", "alt0"…"alt8", "a0"…"a8", "none", "no".
    public init?(parsing text: String) {
        let t = text.lowercased()
        switch t {
        case "in", "input", "ip": self = .input
        case "out", "output", "op": self = .output
        case "none", "no", "null": self = .none
        default:
            let digits: Substring
            if t.hasPrefix("alt") { digits = t.dropFirst(3) } else if t.hasPrefix("a") { digits = t.dropFirst(1) } else { return nil }
            guard let n = Int(digits), n >= 0 else { return nil }
            self = .alt(n)
        }
    }

    var cValue: Int32 {
        switch self {
        case .input: Int32(STROBE_FN_INPUT.rawValue)
        case .output: Int32(STROBE_FN_OUTPUT.rawValue)
        case .alt(let n): Int32(STROBE_FN_ALT0.rawValue) + Int32(clamping: n)
        case .none: Int32(STROBE_FN_NONE.rawValue)
        }
    }

    init(cValue: Int32) {
        switch UInt32(bitPattern: cValue) {
        case STROBE_FN_INPUT.rawValue: self = .input
        case STROBE_FN_OUTPUT.rawValue: self = .output
        case STROBE_FN_NONE.rawValue: self = .none
        default: self = .alt(Int(cValue) - Int(STROBE_FN_ALT0.rawValue))
        }
    }
}

/// The three GPIO register layouts.
public enum Layout: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// BCM2835/6/7: Pi Zero, 1, 2, 3 and their compute modules. GPIO 0–53.
    case bcm2835
    /// BCM2711: Pi 4, 400, CM4. GPIO 0–57.
    case bcm2711
    /// RP1 bank 0: Pi 5, 500, CM5. GPIO 0–27.
    case rp1

    /// The name used on the command line: "bcm2835", "bcm2711" or "rp1".
    public var description: String { rawValue }

    /// Number of GPIOs; valid pin numbers are `0..<pinCount`.
    public var pinCount: Int { Int(strobe_layout_pin_count(cValue)) }

    /// Number of alternate functions (6 on BCM, 9 on RP1).
    public var altCount: Int { Int(strobe_layout_alt_count(cValue)) }

    @usableFromInline
    package var cValue: strobe_layout {
        switch self {
        case .bcm2835: STROBE_LAYOUT_BCM2835
        case .bcm2711: STROBE_LAYOUT_BCM2711
        case .rp1: STROBE_LAYOUT_RP1
        }
    }

    init?(cValue: strobe_layout) {
        switch cValue {
        case STROBE_LAYOUT_BCM2835: self = .bcm2835
        case STROBE_LAYOUT_BCM2711: self = .bcm2711
        case STROBE_LAYOUT_RP1: self = .rp1
        default: return nil
        }
    }

    /// The datasheet name of alternate function `alt` of `pin`, e.g. "SDA1"; `nil` where the
    /// datasheet lists the function as reserved.
    public func altName(pin: Int, alt: Int) -> String? {
        guard pin >= 0, alt >= 0, let p = UInt32(exactly: pin), let a = UInt32(exactly: alt),
              let name = strobe_alt_name(cValue, p, a) else { return nil }
        return String(cString: name)
    }
}

/// The state of one pin as read from the registers.
public struct PinState: Sendable, Hashable {
    /// The GPIO number.
    public var pin: Int
    /// The selected function.
    public var function: PinFunction
    /// The level on the pin.
    public var level: Level
    /// The pull, or `nil` where the hardware cannot report it (BCM2835/6/7).
    public var pull: Pull?
    /// The datasheet name of the selected alternate function, if one is selected.
    public var functionName: String?
}
