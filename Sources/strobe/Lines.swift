import ArgumentParser
import Strobe

struct Lines: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what the kernel says about a chip's lines (libgpiod), like gpioinfo.",
        discussion: """
            One line per GPIO: offset, name, who holds it, direction, drive (push-pull, \
            open-drain, open-source) and bias, read fresh from the kernel with one line-info \
            ioctl each (GPIO_GET_LINEINFO_IOCTL or GPIO_V2_GET_LINEINFO_IOCTL). Needs \
            --backend libgpiod.
            """
    )
    @OptionGroup var target: TargetOptions
    @Argument(help: "Line offsets (default: every line of the chip).", transform: Parse.pin("a line offset")) var pins: [Int] = []

    func run() throws {
        guard target.backend == .libgpiod else {
            throw ValidationError("`strobe lines` reads the kernel's line info: use --backend libgpiod")
        }
        #if Libgpiod
        let chip = try GpiodChip(target.chip)
        print("\(chip.name) - \(chip.pinCount) lines (\(chip.label)):")
        for pin in pins.isEmpty ? Array(0..<chip.pinCount) : pins {
            print("  \(try chip.lineInfo(pin))")
        }
        #else
        throw StrobeError.libgpiodBackendMissing
        #endif
    }
}
