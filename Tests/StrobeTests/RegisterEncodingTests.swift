import CStrobe
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// Register encodings against values worked out by hand from the datasheets
/// ([BCM2835] 6.1 tables 6-1/6-2, [BCM2711] 5.2, [RP1] 3.3).
@Suite("Register encodings")
struct RegisterEncodingTests {
    /// Byte offset of `pointer` from the start of `block`.
    func offset(_ pointer: UnsafeMutablePointer<UInt32>?, _ block: UnsafeMutablePointer<UInt32>) -> Int {
        (UnsafeRawPointer(pointer!) - UnsafeRawPointer(block))
    }

    @Test("BCM GPFSEL register and shift per pin")
    func bcmFunctionSelectFields() {
        // GPIO n lives in GPFSEL(n/10) at bits 3*(n%10)+2 … 3*(n%10).
        let cases: [(pin: UInt32, offset: UInt32, shift: UInt32)] = [(0, 0x00, 0), (9, 0x00, 27), (10, 0x04, 0), (17, 0x04, 21), (27, 0x08, 21), (53, 0x14, 9)]
        for c in cases {
            #expect(strobe_bcm_fsel_offset(c.pin) == c.offset, "GPIO \(c.pin)")
            #expect(strobe_bcm_fsel_shift(c.pin) == c.shift, "GPIO \(c.pin)")
        }
    }

    @Test("BCM FSEL codes: 000 in, 001 out, 100 alt0, 101 alt1, 110 alt2, 111 alt3, 011 alt4, 010 alt5")
    func bcmFunctionCodes() {
        let expected: [(PinFunction, Int32)] = [(.input, 0b000), (.output, 0b001), (.alt(0), 0b100), (.alt(1), 0b101), (.alt(2), 0b110), (.alt(3), 0b111), (.alt(4), 0b011), (.alt(5), 0b010)]
        for (function, code) in expected {
            #expect(strobe_bcm_fsel_code(function.cValue) == code, "\(function)")
            #expect(PinFunction(cValue: strobe_bcm_function_from_code(UInt32(code))) == function)
        }
        #expect(strobe_bcm_fsel_code(PinFunction.alt(6).cValue) == -ENOTSUP)
        #expect(strobe_bcm_fsel_code(PinFunction.none.cValue) == -ENOTSUP)
    }

    @Test("BCM set/clear/level registers and masks, banks 0 and 1")
    func bcmPorts() throws {
        let ram = try Board.ram(.bcm2711)
        let block = strobe_gpio_block(ram.gpio)!
        var port = strobe_port()
        #expect(strobe_port_make(STROBE_LAYOUT_BCM2711, block, 17, &port) == 0)
        #expect(offset(port.set, block) == 0x1C && offset(port.clr, block) == 0x28 && offset(port.lev, block) == 0x34)
        #expect(port.mask == 0x0002_0000 && port.xor_ == nil)
        #expect(strobe_port_make(STROBE_LAYOUT_BCM2711, block, 40, &port) == 0)
        #expect(offset(port.set, block) == 0x20 && offset(port.clr, block) == 0x2C && offset(port.lev, block) == 0x38)
        #expect(port.mask == 0x0000_0100)
        #expect(strobe_port_make(STROBE_LAYOUT_BCM2835, block, 54, &port) == -EINVAL)
        #expect(strobe_port_make(STROBE_LAYOUT_BCM2711, block, 58, &port) == -EINVAL)
    }

    @Test("BCM2711 pull register: 2 bits per pin, 00 none, 01 up, 10 down")
    func bcm2711PullFields() {
        #expect(strobe_bcm2711_pull_offset(0) == 0xE4 && strobe_bcm2711_pull_shift(0) == 0)
        #expect(strobe_bcm2711_pull_offset(17) == 0xE8 && strobe_bcm2711_pull_shift(17) == 2)
        #expect(strobe_bcm2711_pull_offset(57) == 0xF0 && strobe_bcm2711_pull_shift(57) == 18)
    }

    @Test("RP1 ports: SYS_RIO0 OUT through the SET/CLR/XOR aliases, SYNC_IN for levels")
    func rp1Ports() throws {
        let ram = try Board.ram(.rp1)
        let block = strobe_gpio_block(ram.gpio)!
        var port = strobe_port()
        #expect(strobe_port_make(STROBE_LAYOUT_RP1, block, 17, &port) == 0)
        #expect(offset(port.set, block) == 0x1_2000)
        #expect(offset(port.clr, block) == 0x1_3000)
        #expect(offset(port.xor_, block) == 0x1_1000)
        #expect(offset(port.lev, block) == 0x1_0008)
        #expect(port.mask == 1 << 17)
        #expect(strobe_port_make(STROBE_LAYOUT_RP1, block, 28, &port) == -EINVAL)
        #expect(strobe_rp1_gpio_ctrl(17) == 0x8C && strobe_rp1_gpio_status(17) == 0x88)
        #expect(strobe_rp1_pad(0) == 0x2_0004 && strobe_rp1_pad(17) == 0x2_0048)
    }

    @Test("BCM2835: output on GPIO 17 writes 001 into GPFSEL1 bits 23:21 and nothing else")
    func bcm2835OutputEncoding() throws {
        let board = try Board.virtual(.bcm2835)
        let before = register(board, 0x04)
        let pin = try board.output(17, initial: .high)
        #expect(register(board, 0x04) == (before & ~(7 << 21)) | (1 << 21))
        #expect(register(board, 0x34) & (1 << 17) != 0, "GPLEV0 bit 17 follows the output")
        pin.clear()
        #expect(register(board, 0x34) & (1 << 17) == 0)
        _ = consume pin
        #expect(register(board, 0x04) == before, "release restores GPFSEL1")
    }

    @Test("BCM2835 alternate functions land in GPFSEL as the datasheet codes")
    func bcm2835AltEncoding() throws {
        let board = try Board.virtual(.bcm2835)
        try board.setFunction(.alt(0), pin: 14)  // TXD0
        #expect((register(board, 0x04) >> 12) & 7 == 0b100)
        try board.setFunction(.alt(5), pin: 14)  // TXD1
        #expect((register(board, 0x04) >> 12) & 7 == 0b010)
        try board.setFunction(.alt(4), pin: 18)  // SPI1_CE0_N
        #expect((register(board, 0x04) >> 24) & 7 == 0b011)
        #expect(try board.state(of: 18).functionName == "SPI1_CE0_N")
    }

    @Test("BCM2711 pulls write the 2-bit field in GPIO_PUP_PDN_CNTRL_REG1")
    func bcm2711PullEncoding() throws {
        let board = try Board.virtual(.bcm2711)
        try board.setPull(.up, pin: 17)
        #expect((register(board, 0xE8) >> 2) & 3 == 0b01)
        try board.setPull(.down, pin: 17)
        #expect((register(board, 0xE8) >> 2) & 3 == 0b10)
        try board.setPull(.none, pin: 17)
        #expect((register(board, 0xE8) >> 2) & 3 == 0b00)
        #expect(try board.state(of: 17).pull == Pull.none)
    }

    @Test("RP1 output: FUNCSEL 5, OE set, pad input enabled and output not disabled; pulls in PUE/PDE")
    func rp1OutputEncoding() throws {
        let board = try Board.virtual(.rp1)
        let pin = try board.output(17, initial: .low, pull: .up)
        #expect(register(board, 0x8C) & 0x1F == 5)
        #expect(register(board, 0x1_0004) & (1 << 17) != 0)
        let pad = register(board, 0x2_0048)
        #expect(pad & (1 << 6) != 0 && pad & (1 << 7) == 0)
        #expect(pad & (1 << 3) != 0 && pad & (1 << 2) == 0)
        pin.set()
        #expect(register(board, 0x1_0000) & (1 << 17) != 0, "RIO OUT bit 17 set through the SET alias")
        #expect(register(board, 0x1_0008) & (1 << 17) != 0, "SYNC_IN follows")
        pin.toggle()
        #expect(register(board, 0x1_0000) & (1 << 17) == 0, "the XOR alias inverts")
        _ = consume pin
        #expect(register(board, 0x8C) & 0x1F == 0x1F, "release restores FUNCSEL 0x1f (null)")
    }

    @Test("RP1 alternate functions a0–a8 are FUNCSEL 0–8")
    func rp1AltEncoding() throws {
        let board = try Board.virtual(.rp1)
        try board.setFunction(.alt(4), pin: 14)  // UART0_TX
        #expect(register(board, strobe_rp1_gpio_ctrl(14)) & 0x1F == 4)
        #expect(try board.state(of: 14).functionName == "UART0_TX")
        try board.setFunction(.alt(0), pin: 14)
        #expect(register(board, strobe_rp1_gpio_ctrl(14)) & 0x1F == 0)
        try board.setFunction(.none, pin: 14)
        #expect(register(board, strobe_rp1_gpio_ctrl(14)) & 0x1F == 0x1F)
    }

    // MARK: RP1 pad and override rules (pinctrl-rp1.c, raspberrypi/utils pinctrl, rppal agree)

    /// Stores `value` to RP1 register `offset` through its SET or CLR alias ([RP1] 2.4).
    func rp1Alias(_ board: Board, _ offset: UInt32, set value: UInt32 = 0, clear: UInt32 = 0) {
        let block = strobe_gpio_block(board.gpio)!
        if value != 0 { strobe_w32(strobe_reg(block, offset + STROBE_RP1_ALIAS_SET), value) }
        if clear != 0 { strobe_w32(strobe_reg(block, offset + STROBE_RP1_ALIAS_CLR), clear) }
    }

    /// An RP1 bench with `pin` left driving high (as `pinctrl set N op dh`) over a pull-down.
    func rp1DrivenHigh(_ pin: Int) throws -> (Board, VirtualBench) {
        let board = try Board.virtual(.rp1)
        let bench = try #require(board.bench)
        try board.drive(pin, to: .high)
        try board.setPull(.down, pin: pin)
        #expect(try board.state(of: pin).function == .output && bench.level(of: pin) == .high)
        return (board, bench)
    }

    @Test("RP1: every function but none enables the pad's input and clears its output-disable",
          arguments: [PinFunction.input, .output] + (0...8).map { PinFunction.alt($0) })
    func rp1FunctionsEnableThePad(function: PinFunction) throws {
        let board = try Board.virtual(.rp1)
        let pad = strobe_rp1_pad(18)
        rp1Alias(board, pad, set: STROBE_RP1_PAD_OD, clear: STROBE_RP1_PAD_IE) // a pad left disabled
        try board.setFunction(function, pin: 18)
        #expect(register(board, pad) & STROBE_RP1_PAD_IE != 0, "input enabled")
        #expect(register(board, pad) & STROBE_RP1_PAD_OD == 0, "output not disabled: PWM/UART/SPI can drive")
        let readBack: PinFunction = function == .alt(5) ? .input : function // a5 is SYS_RIO: GPIO, OE clear
        #expect(try board.state(of: 18).function == readBack)
    }

    @Test("RP1: selecting a function resets OUTOVER/OEOVER to peripheral; OEOVER not peripheral reads as none")
    func rp1Overrides() throws {
        let board = try Board.virtual(.rp1)
        let ctrl = strobe_rp1_gpio_ctrl(12)
        rp1Alias(board, ctrl, set: STROBE_RP1_CTRL_OUTOVER_MASK | STROBE_RP1_CTRL_OEOVER_MASK) // forced high, forced on
        try board.setFunction(.alt(0), pin: 12) // PWM0_CHAN0
        #expect(register(board, ctrl) & 0x1F == 0)
        #expect(register(board, ctrl) & (STROBE_RP1_CTRL_OUTOVER_MASK | STROBE_RP1_CTRL_OEOVER_MASK) == 0, "both from the peripheral")
        #expect(try board.state(of: 12).function == .alt(0))
        // rp1_get_fsel: OEOVER other than peripheral → "none"; OUTOVER alone does not change it.
        rp1Alias(board, ctrl, set: 1 << 12)
        #expect(try board.state(of: 12).function == .alt(0), "OUTOVER is not looked at")
        rp1Alias(board, ctrl, set: STROBE_RP1_CTRL_OEOVER_DISABLE)
        #expect(try board.state(of: 12).function == PinFunction.none)
        #expect(try board.state(of: 12).functionName == nil)
        try board.setFunction(.output, pin: 12)
        #expect(register(board, ctrl) & (STROBE_RP1_CTRL_OUTOVER_MASK | STROBE_RP1_CTRL_OEOVER_MASK) == 0)
        #expect(try board.state(of: 12).function == .output)
    }

    @Test("RP1 function none: FUNCSEL 0x1f, OEOVER disable, and the pad disabled (input off, output disabled)")
    func rp1NoneDisablesThePad() throws {
        let (board, bench) = try rp1DrivenHigh(21)
        try board.setFunction(.none, pin: 21)
        let ctrl = register(board, strobe_rp1_gpio_ctrl(21)), pad = register(board, strobe_rp1_pad(21))
        #expect(ctrl & 0x1F == STROBE_RP1_FUNCSEL_NULL)
        #expect(ctrl & STROBE_RP1_CTRL_OEOVER_MASK == STROBE_RP1_CTRL_OEOVER_DISABLE)
        #expect(pad & STROBE_RP1_PAD_IE == 0 && pad & STROBE_RP1_PAD_OD != 0)
        #expect(try board.state(of: 21).function == PinFunction.none)
        #expect(bench.level(of: 21) == .low, "nothing drives the pad; its pull-down decides")
    }

    @Test("RP1: OE with the pad's output-disable set is an input — the driver and the bench agree")
    func rp1OutputDisableMeansInput() throws {
        let (board, bench) = try rp1DrivenHigh(5)
        rp1Alias(board, strobe_rp1_pad(5), set: STROBE_RP1_PAD_OD) // [RP1] 3.3: OD overrides OE
        #expect(register(board, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_OE) & (1 << 5) != 0, "OE is still set")
        var function: Int32 = -1
        #expect(strobe_gpio_get_function(board.gpio, 5, &function) == 0)
        #expect(function == Int32(STROBE_FN_INPUT.rawValue), "the pad drives nothing, so it is an input")
        #expect(bench.level(of: 5) == .low, "the bench agrees: the pull decides")
        #expect(strobe_rp1_function_from_regs(STROBE_RP1_FUNCSEL_SYS_RIO, true, 0) == Int32(STROBE_FN_OUTPUT.rawValue))
        #expect(strobe_rp1_function_from_regs(0x1E, false, 0) == Int32(STROBE_FN_NONE.rawValue), "FUNCSEL past a8 is no function")
    }
}
