import ArgumentParser
import Strobe

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the board, SoC, register mapping and every pin's function, level and pull."
    )

    @OptionGroup var target: TargetOptions

    @Option(name: .long, help: "Only these GPIOs (comma-separated, ranges allowed: 2,4-7).", transform: { try PinList.parse($0, option: "--pins") })
    var pins: [Int]?

    func run() throws {
        try target.requireRegisters("info")
        if target.virtual == nil {
            // Say what board this is even when its registers can't be mapped, then the error.
            let info = try BoardInfo.detect(root: target.root)
            print(boardLines(info).joined(separator: "\n"))
        }
        try target.withBoard { board in
            // Every pin asked for must exist: a table without it would say nothing is wrong.
            if let missing = pins?.first(where: { $0 >= board.layout.pinCount }) { throw StrobeError.invalidPin(missing, layout: board.layout) }
            print(render(board))
        }
    }

    func boardLines(_ info: BoardInfo) -> [String] {
        var details: [String] = []
        if let name = info.revisionName { details.append(name) }
        if let mb = info.memoryMB { details.append(mb >= 1024 ? "\(mb / 1024) GB" : "\(mb) MB") }
        if let rev = info.revision { details.append("revision \(String(rev, radix: 16))") }
        return [
            "Board:     \(info.model.isEmpty ? info.compatible : info.model)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"),
            "SoC:       \(info.soc) (layout \(info.layout), \(info.layout.pinCount) GPIOs)",
        ]
    }

    func render(_ board: Board) -> String {
        var out: [String] = []
        if let info = board.info {
            out.append("Registers: \(board.access), GPIO block at 0x\(String(info.gpioPhysicalAddress, radix: 16))")
        } else {
            out.append("Board:     virtual bench, \(board.layout) layout (simulated registers, no hardware)")
            out.append("SoC:       \(board.layout) (\(board.layout.pinCount) GPIOs)")
            out.append("Registers: \(board.access)")
        }
        out.append("")
        let header = Dictionary(HeaderPin.all.compactMap { p in p.gpio.map { ($0, p.physical) } }, uniquingKeysWith: { a, _ in a })
        out.append("GPIO  PIN  FUNCTION                 LEVEL  PULL")
        let wanted = pins.map { Swift.Set($0) }
        for s in board.states() where wanted?.contains(s.pin) ?? true {
            var fn = s.function.description
            if let name = s.functionName { fn += " \(name)" }
            let pin = header[s.pin].map { String($0) } ?? "-"
            let pull = s.pull?.description ?? "?"
            let kernel = board.kernelOwners[s.pin].map { "  kernel: \($0.owner)" } ?? ""
            out.append("\(pad(String(s.pin), 4, right: true))  \(pad(pin, 3, right: true))  \(pad(fn, 23))  \(pad(s.level.isHigh ? "high" : "low", 5))  \(pad(pull, 4))\(kernel)".trimmingSuffix())
        }
        if !board.kernelOwners.isEmpty {
            out.append("")
            out.append("kernel: the pin belongs to that device-tree node or line consumer; the register backend refuses it (\(board.kernelPins == .override ? "overridden here" : "strobe --force takes it anyway")).")
        }
        if board.layout == .bcm2835 {
            out.append("")
            out.append("PULL \"?\": the BCM2835/6/7 cannot read back its pull resistors.")
        }
        return out.joined(separator: "\n")
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingSuffix() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= width { return s }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + s : s + fill
}

