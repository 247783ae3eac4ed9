import CStrobe
import SystemPackage

/// What board detection found in the device tree and `/proc/cpuinfo`.
public struct BoardInfo: Sendable, Hashable {
    /// The device tree's model string, e.g. "Raspberry Pi 4 Model B Rev 1.4".
    public var model: String
    /// The first `compatible` entry, e.g. "raspberrypi,4-model-b".
    public var compatible: String
    /// The SoC, e.g. "bcm2711".
    public var soc: String
    /// The GPIO register layout of that SoC.
    public var layout: Layout
    /// The revision code from `/proc/cpuinfo`, if there is one.
    public var revision: UInt32?
    /// The board the revision code names, e.g. "4B", "Zero 2 W", "5".
    public var revisionName: String?
    /// Memory in MB from the revision code.
    public var memoryMB: Int?
    /// The peripheral base from `soc/ranges` (BCM only).
    public var peripheralBase: UInt64?
    /// Physical address of the GPIO block, used with `/dev/mem`.
    public var gpioPhysicalAddress: UInt64
    /// The device that maps the GPIO block without root: `/dev/gpiomem` or `/dev/gpiomem0`.
    public var gpiomemPath: String

    /// Detects the board whose `/proc` is below `root` ("/" for this machine).
    ///
    /// Reads `proc/device-tree/compatible`, `model`, `soc/ranges` and the `Revision` line of
    /// `proc/cpuinfo`. Throws ``StrobeError/notRaspberryPi(detail:)`` when there is no device
    /// tree or it names another SoC, and ``StrobeError/malformedDeviceTree(detail:)`` when a
    /// file is there but broken.
    public static func detect(root: String = "/") throws(StrobeError) -> BoardInfo {
        var info = strobe_board_info()
        var why = [CChar](repeating: 0, count: 512)
        let rc = strobe_detect(root, &info, &why, why.count)
        let detail = String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch rc {
        case 0: break
        case -ENODEV: throw .notRaspberryPi(detail: detail)
        case -EINVAL: throw .malformedDeviceTree(detail: detail)
        default: throw .system(operation: "reading", path: detail.isEmpty ? root + "proc/device-tree" : detail, errno: Errno(cReturn: rc))
        }
        return BoardInfo(info)
    }

    init(_ c: strobe_board_info) {
        model = cString(c.model)
        compatible = cString(c.compatible)
        soc = String(cString: strobe_soc_name(c.soc))
        layout = Layout(cValue: c.layout) ?? .bcm2835
        revision = c.revision == 0 ? nil : c.revision
        let name = cString(c.revision_name)
        revisionName = name.isEmpty ? nil : name
        memoryMB = c.memory_mb == 0 ? nil : Int(c.memory_mb)
        peripheralBase = c.peripheral_base == 0 ? nil : c.peripheral_base
        gpioPhysicalAddress = c.gpio_phys
        gpiomemPath = cString(c.gpiomem_path)
    }

    var cValue: strobe_board_info {
        var c = strobe_board_info()
        c.layout = layout.cValue
        c.gpio_phys = gpioPhysicalAddress
        withUnsafeMutableBytes(of: &c.gpiomem_path) { buf in
            let bytes = Array(gpiomemPath.utf8.prefix(buf.count - 1))
            buf.copyBytes(from: bytes)
        }
        return c
    }
}

/// A Swift string from a fixed-size, NUL-terminated C `char` array imported as a tuple.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
