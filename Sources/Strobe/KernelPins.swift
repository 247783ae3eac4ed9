import CStrobe

/// A pin the kernel has given to someone other than Strobe's register backend.
///
/// Found by ``Board/detect(root:useDevMem:deviceRoot:kernelPins:)`` from two sources: the
/// device tree's enabled devices (their default pin state names the pin: the console UART, the
/// SD card, I2C, SPI, PWM…), and the GPIO character device's line info (a gpio-hog, a kernel
/// driver such as w1-gpio, another process's libgpiod request, a sysfs export).
public struct KernelPinOwner: Sendable, Hashable, CustomStringConvertible {
    /// Where the owner was found.
    public enum Source: Sendable, Hashable {
        /// An enabled device-tree node whose default pin state selects the pin's function.
        case deviceTree
        /// The GPIO character device reports the line as used.
        case gpioLine
    }

    /// The GPIO number.
    public let pin: Int
    /// The device-tree node (`serial@7e201000`) or the line's consumer (`w1-gpio`).
    public let owner: String
    /// How the kernel says so, e.g. `pin group uart0_gpio32, ALT3` or `gpiochip0 line 4`.
    public let detail: String
    /// Which source named the owner.
    public let source: Source

    /// Makes an owner record (tests and simulations; detection makes the real ones).
    public init(pin: Int, owner: String, detail: String, source: Source) {
        self.pin = pin
        self.owner = owner
        self.detail = detail
        self.source = source
    }

    /// "GPIO 14: serial@7e215040 (pin group uart1_gpio14, ALT5)".
    public var description: String { "GPIO \(pin): \(owner) (\(detail))" }
}

/// What the register backend does with pins the kernel has given to a driver.
public enum KernelPinPolicy: Sendable, Hashable {
    /// Refuse to change their function, pull or edge detection, or to claim them
    /// (``StrobeError/kernelOwned(_:)``). The default.
    case refuse
    /// Take them anyway: for when you know the driver is idle, or you mean to fight it.
    case override
}

extension KernelPinOwner {
    /// The kernel's claims on `layout`'s pins below `root` (see ``KernelPinOwner``).
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` when `root` has no device tree.
    public static func scan(root: String = "/", layout: Layout) throws(StrobeError) -> [KernelPinOwner] {
        let count = layout.pinCount
        var table = [strobe_pin_owner](repeating: strobe_pin_owner(), count: count)
        var linesRead: Int32 = 0
        let rc = table.withUnsafeMutableBufferPointer {
            strobe_kernel_pin_owners(root, layout.cValue, $0.baseAddress, UInt32(count), &linesRead)
        }
        _ = try StrobeError.check(rc, "reading the device tree below", root)
        return table.enumerated().compactMap { pin, entry in
            guard entry.source != 0 else { return nil }
            return KernelPinOwner(pin: pin, owner: cString(entry.owner), detail: cString(entry.detail),
                                  source: entry.source == Int32(STROBE_OWNER_DEVICE_TREE.rawValue) ? .deviceTree : .gpioLine)
        }
    }
}
