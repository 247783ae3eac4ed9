import CStrobe
import Foundation
import Testing
@testable import Strobe

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
}
