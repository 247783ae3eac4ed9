import CStrobeSimulator
public import Strobe

/// A chip on the virtual bench's pins that answers pin changes in virtual time, as the real
/// part would on a breadboard: the bench calls it synchronously for each level change of the
/// pins it watches, and it drives its output pins in reply before the store that caused the
/// change returns, so the driver's next read sees the answer.
///
/// Strobe's own models are written in C (`strobe_vbench_model` in `strobe_vbench.h`) and
/// wrapped here; a model type is a class that attaches itself in ``attach(to:)``. A C model's
/// callback runs inside the bench's SIGSEGV handler on the thread whose store trapped, with the
/// bench's lock held, so it keeps to its own state and arithmetic, which is async-signal-safe.
/// Swift makes no such promise for a closure (its retains, allocations, metadata look-ups), so
/// a model written in Swift — ``SwiftBenchModel``, attached with
/// ``VirtualBench/attach(_:timeout:)`` — runs on a thread of its own, which the handler
/// hands each change to and waits for (virtual time stands still meanwhile).
public protocol BenchDeviceModel: AnyObject {
    /// Attaches the model to `bench`. A model is attached to one bench at most, once.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when it is attached already or its pins
    ///   don't suit the bench.
    func attach(to bench: VirtualBench) throws(StrobeError)
    /// Detaches the model; its output pins stop being driven. Nothing when not attached.
    func detach()
}

extension VirtualBench {
    /// Attaches `model` to the bench's pins (``BenchDeviceModel/attach(to:)``); it stays
    /// attached until ``BenchDeviceModel/detach()`` or until it is dropped.
    public func attach(_ model: some BenchDeviceModel) throws(StrobeError) {
        try model.attach(to: self)
    }
}

/// An MCP3008 (Microchip DS21295: 8 channels, 10 bits, SPI mode 0,0 or 1,1) on the virtual
/// bench: CS active low, DIN sampled on rising SCK edges, DOUT changed on falling edges; the
/// datasheet's framing (section 5.0, figures 5-1 and 5-2): leading zeros, a start bit,
/// SGL/DIFF, D2 D1 D0, one more clock for the sample, a null bit, B9…B0, then B1…B9 LSB first
/// while clocks continue, then zeros. The code is `1024 · VIN / VREF` truncated, at most 1023
/// (equation 4-1); differential pairs per table 5-2.
///
/// With the common three-byte transfer `0x01, 0x80 | channel << 4, 0x00`, the low 10 bits of
/// the second and third bytes received are the code:
/// ```swift
/// let adc = MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 9, reference: 3.3)
/// try board.bench!.attach(adc)
/// try adc.setVoltage(1.2, channel: 3)
/// let reply = try spi.transfer(bytes: [0x01, 0x80 | 3 << 4, 0x00])
/// let code = (Int(reply[1]) & 3) << 8 | Int(reply[2])   // 372
/// ```
public final class MCP3008Model: BenchDeviceModel, @unchecked Sendable {
    // Sendable: the state is the C model's, changed under the bench's lock; `attachment` is
    // set once by attach and cleared by detach, which the caller doesn't race.

    /// Chip select (active low), clock, DIN and DOUT, as GPIO numbers.
    public let chipSelect: Int, sck: Int, mosi: Int, miso: Int
    /// VREF, volts.
    public let reference: Double
    private var voltages: [Double]
    private var attachment: (bench: VirtualBench, id: Int32)?

    /// A model with reference `reference` volts and `voltages` on CH0… (the rest 0 V).
    public init(chipSelect: Int, sck: Int, mosi: Int, miso: Int, reference: Double = 3.3, voltages: [Double] = []) {
        self.chipSelect = chipSelect
        self.sck = sck
        self.mosi = mosi
        self.miso = miso
        self.reference = reference
        self.voltages = Array((voltages + Array(repeating: 0, count: 8)).prefix(8))
    }

    deinit { detach() }

    /// Attaches the model (see ``BenchDeviceModel``).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when attached already, for a pin the
    ///   bench lacks or used twice, or a reference not finite and above 0 V;
    ///   ``StrobeError/outOfRange(parameter:value:range:)`` for a voltage given at init that
    ///   is not finite.
    public func attach(to bench: VirtualBench) throws(StrobeError) {
        guard attachment == nil else { throw .invalidArgument("this MCP3008 model is attached already") }
        for v in voltages { _ = try Checked.double(v, "an MCP3008 input voltage", in: -.greatestFiniteMagnitude ... .greatestFiniteMagnitude, unit: " V") }
        for pin in [chipSelect, sck, mosi, miso] where pin < 0 || pin >= bench.layout.pinCount {
            throw .invalidPin(pin, layout: bench.layout)
        }
        let id = strobe_vbench_attach_mcp3008(bench.handle, UInt32(chipSelect), UInt32(sck), UInt32(mosi), UInt32(miso), reference)
        guard id > 0 else {
            throw .invalidArgument("the MCP3008 model can't go on pins CS \(chipSelect), SCK \(sck), DIN \(mosi), DOUT \(miso) with VREF \(reference) V (errno \(-id)): the pins must be distinct and VREF above 0 V")
        }
        attachment = (bench, id)
        for (channel, v) in voltages.enumerated() { _ = strobe_vbench_mcp3008_set_input(bench.handle, id, UInt32(channel), v) }
    }

    /// Detaches the model; DOUT is no longer driven.
    public func detach() {
        guard let a = attachment else { return }
        _ = strobe_vbench_detach_model(a.bench.handle, a.id)
        _ = strobe_vbench_drive(a.bench.handle, UInt32(miso), -1)
        attachment = nil
    }

    /// Sets input `channel` (0…7) to `volts`; below 0 V reads as 0 V. The next conversion
    /// samples it.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a channel outside 0…7
    ///   or a voltage that is not finite.
    public func setVoltage(_ volts: Double, channel: Int) throws(StrobeError) {
        let ch = try Checked.int(channel, "the MCP3008 channel", in: 0...7)
        let v = try Checked.double(volts, "an MCP3008 input voltage", in: -.greatestFiniteMagnitude ... .greatestFiniteMagnitude, unit: " V")
        voltages[ch] = v
        if let a = attachment { _ = strobe_vbench_mcp3008_set_input(a.bench.handle, a.id, UInt32(ch), v) }
    }

    /// The code the datasheet's equation 4-1 gives for `volts` single-ended:
    /// `1024 · VIN / VREF` truncated, 0…1023.
    public func expectedCode(for volts: Double) -> Int {
        guard volts > 0 else { return 0 }
        return min(1023, Int((1024 * volts / reference).rounded(.down)))
    }

    /// Conversions completed since the model was attached (0 when not attached).
    public var conversions: Int {
        guard let a = attachment else { return 0 }
        return Int(max(0, strobe_vbench_mcp3008_conversions(a.bench.handle, a.id)))
    }
}
