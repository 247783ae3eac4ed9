import CStrobe
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

@Suite("Pins and ownership")
struct BoardTests {
    @Test("a pin cannot be claimed twice; released, it can")
    func singleOwner() throws {
        let board = try Board.virtual(.bcm2711)
        let first = try board.output(17)
        #expect(throws: StrobeError.pinInUse(17)) { _ = try board.input(17) }
        #expect(throws: StrobeError.pinInUse(17)) { try board.setFunction(.output, pin: 17) }
        #expect(board.claimedPins == [17])
        first.release()
        let second = try board.input(17)
        let number = second.number
        #expect(number == 17)
    }

    @Test("releasing restores the previous function and pull", arguments: [Layout.bcm2711, .rp1])
    func restoreOnRelease(layout: Layout) throws {
        let board = try Board.virtual(layout)
        try board.setFunction(.alt(0), pin: 14)
        try board.setPull(.up, pin: 14)
        let before = try board.state(of: 14)
        do {
            let pin = try board.output(14, initial: .high, pull: .down)
            #expect(try board.state(of: 14).function == .output)
            #expect(try board.state(of: 14).pull == .down)
            pin.set()
        }
        let after = try board.state(of: 14)
        #expect(after.function == before.function)
        #expect(after.pull == before.pull)
    }

    @Test("keep() leaves the pin as it is")
    func keepState() throws {
        let board = try Board.virtual(.bcm2711)
        let pin = try board.output(21, initial: .high)
        pin.keep()
        #expect(try board.state(of: 21).function == .output)
        #expect(try board.read(21) == .high)
        #expect(board.claimedPins.isEmpty)
    }

    @Test("an output starts at its initial level without a glitch")
    func initialLevelFirst() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        try bench.drive(9, to: .high)  // GPIO9 floats high before we take it
        bench.clearChanges()
        let pin = try board.output(9, initial: .high)
        #expect(bench.changes.isEmpty, "no low pulse while becoming an output")
        pin.clear()
        #expect(bench.changes.map(\.level) == [.low])
    }

    @Test("a mask write sets and clears several pins with one store each")
    func maskWrites() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let group = try board.outputs([2, 3, 4])
        let neighbour = try board.output(5, initial: .low)
        let stores = bench.storeCount
        group.write(mask: 0b10100)  // GPIO 2 and 4 high, 3 low
        #expect(bench.storeCount - stores == 2)
        #expect([2, 3, 4].map { bench.level(of: $0) } == [.high, .low, .high])
        group.set(mask: 0xFFFF_FFFF)  // bits of pins outside the group are ignored
        #expect(bench.level(of: 5) == .low, "GPIO 5 is not in the group")
        neighbour.release()
        #expect(group.read() == 0b11100)
        #expect(throws: StrobeError.pinInUse(3)) { _ = try board.outputs([3, 10]) }
        #expect(board.claimedPins == [2, 3, 4], "a failed group claim gives back what it took")
        #expect(throws: StrobeError.invalidArgument("GPIOs 31, 32 span two 32-pin banks; one mask write reaches one bank")) {
            _ = try board.outputs([31, 32])
        }
    }

    @Test("bad pin numbers are refused with the valid range", arguments: [
        (Layout.bcm2835, 54, "GPIO 54 does not exist on bcm2835: valid pins are 0–53"),
        (.bcm2711, 99, "GPIO 99 does not exist on bcm2711: valid pins are 0–57"),
        (.rp1, -1, "GPIO -1 does not exist on rp1: valid pins are 0–27"),
        (.rp1, 28, "GPIO 28 does not exist on rp1: valid pins are 0–27"),
    ])
    func badPins(layout: Layout, pin: Int, message: String) throws {
        let board = try Board.virtual(layout)
        let error = StrobeError.invalidPin(pin, layout: layout)
        #expect(error.description == message)
        #expect(throws: error) { _ = try board.output(pin) }
        #expect(throws: error) { _ = try board.input(pin) }
        #expect(throws: error) { _ = try board.state(of: pin) }
        #expect(throws: error) { try board.setFunction(.input, pin: pin) }
        #expect(throws: error) { try board.setPull(.up, pin: pin) }
        #expect(throws: error) { _ = try board.read(pin) }
        #expect(throws: error) { try board.bench!.drive(pin, to: .high) }
    }

    @Test("functions a pin or SoC lacks are refused with a clear message")
    func unsupportedFunctions() throws {
        let bcm = try Board.virtual(.bcm2835)
        // GPIO 17 ALT2 is reserved in [BCM2835] table 6-31.
        let reserved = StrobeError.unsupportedFunction(.alt(2), pin: 17, layout: .bcm2835)
        #expect(throws: reserved) { try bcm.setFunction(.alt(2), pin: 17) }
        #expect(reserved.description.contains("GPIO 17 has no alt2 on bcm2835"))
        #expect(throws: StrobeError.unsupportedFunction(.alt(6), pin: 17, layout: .bcm2835)) { try bcm.setFunction(.alt(6), pin: 17) }
        #expect(StrobeError.unsupportedFunction(.alt(6), pin: 17, layout: .bcm2835).description == "bcm2835 has ALT0–ALT5 only, so alt6 cannot be selected for GPIO 17")
        #expect(throws: StrobeError.unsupportedFunction(.none, pin: 17, layout: .bcm2835)) { try bcm.setFunction(.none, pin: 17) }

        let rp1 = try Board.virtual(.rp1)
        for n in [9, 31, -1] {
            let e = StrobeError.unsupportedFunction(.alt(n), pin: 4, layout: .rp1)
            #expect(throws: e) { try rp1.setFunction(.alt(n), pin: 4) }
            #expect(e.description == "RP1 has functions a0–a8 only, so alt\(n) cannot be selected for GPIO 4")
        }
        #expect(try rp1.state(of: 4).function == PinFunction.none, "refused requests leave the pin alone")
    }

    @Test("the C core refuses what Swift would, so C callers get errors too")
    func cCoreValidation() throws {
        let board = try Board.virtual(.rp1)
        #expect(strobe_gpio_set_function(board.gpio, 28, PinFunction.input.cValue) == -EINVAL)
        #expect(strobe_gpio_set_function(board.gpio, 4, PinFunction.alt(9).cValue) == -ENOTSUP)
        #expect(strobe_gpio_set_pull(board.gpio, 4, 7) == -EINVAL)
    }

    @Test("function names parse the way pinctrl and gpiozero users write them")
    func functionParsing() {
        #expect(PinFunction(parsing: "in") == .input && PinFunction(parsing: "OUTPUT") == .output)
        #expect(PinFunction(parsing: "alt3") == .alt(3) && PinFunction(parsing: "a8") == .alt(8))
        #expect(PinFunction(parsing: "none") == PinFunction.none)
        #expect(PinFunction(parsing: "sideways") == nil && PinFunction(parsing: "alt") == nil && PinFunction(parsing: "a-1") == nil)
    }

    @Test("releaseAll gives back every pin, restoring each")
    func releaseAll() throws {
        let board = try Board.virtual(.bcm2711)
        let a = try board.output(5, initial: .high)
        let b = try board.input(6, pull: .up)
        board.releaseAll()
        #expect(board.claimedPins.isEmpty)
        #expect(try board.state(of: 5).function == .input)
        _ = consume a
        _ = consume b
        #expect(board.claimedPins.isEmpty, "dropping a handle after releaseAll is harmless")
    }
}

@Suite("The register line's hot-path encoding")
struct RegisterLineEncodingTests {
    @Test("set and clear registers and the mask, as set() and clear() compute them, are the C core's, for every pin of every layout", arguments: Layout.allCases)
    func encoding(layout: Layout) throws {
        let board = try Board.ram(layout)
        for pin in 0..<layout.pinCount {
            let out = try board.output(pin)
            let line = out.line
            #expect(line.setRegister == UnsafeMutablePointer(mutating: line.port.set), "GPIO\(pin) set")
            #expect(line.clearRegister == UnsafeMutablePointer(mutating: line.port.clr), "GPIO\(pin) clear")
            #expect(line.mask == line.port.mask, "GPIO\(pin) mask")
        }
    }
}
