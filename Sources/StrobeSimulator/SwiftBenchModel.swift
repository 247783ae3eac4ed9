import CStrobeSimulator
public import Strobe
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a ``SwiftBenchModel`` is told: a watched pin changed, or the wake-up it asked for came.
public struct BenchModelEvent: Sendable, Hashable {
    /// Virtual time, nanoseconds.
    public let time: UInt64
    /// The pin that changed; `nil` for a wake-up (``BenchModelReply/wake(at:)``).
    public let pin: Int?
    /// The pin's new level (`.low` for a wake-up).
    public let level: Level
    /// Every pin's level at that instant, bit n = GPIO n.
    public let levels: UInt64

    /// The level of `pin` at the event's instant (`.low` for a pin the bench lacks).
    public func level(of pin: Int) -> Level {
        guard pin >= 0 && pin < 64 else { return .low }
        return Level(levels >> UInt64(pin) & 1 == 1)
    }
}

/// What a ``SwiftBenchModel`` answers: pins to drive (as a chip's outputs would, at the
/// event's virtual instant) and when to be woken next.
public struct BenchModelReply: Sendable {
    /// A drive: `level` nil stops driving the pin (its pull decides, or the driver's output).
    public struct Drive: Sendable, Hashable {
        /// The pin.
        public var pin: Int
        /// Its level, or nil to let go.
        public var level: Level?
    }
    /// The drives, applied in order.
    public private(set) var drives: [Drive] = []
    /// The virtual time to be woken at (`nil`: as before; see ``cancelWake()``).
    public private(set) var wakeTime: UInt64?
    /// Whether the wake-up is cancelled.
    public private(set) var cancelsWake = false

    /// An empty reply: nothing driven, the wake-up as it was.
    public init() {}

    /// Drives `pin` to `level` (as an output of the modelled chip).
    public mutating func drive(_ pin: Int, _ level: Level) { drives.append(Drive(pin: pin, level: level)) }
    /// Stops driving `pin`: it floats to its pull (an open-drain output let go).
    public mutating func release(_ pin: Int) { drives.append(Drive(pin: pin, level: nil)) }
    /// Asks to be called at virtual time `time` (the event's time or later) with a wake-up
    /// event; replaces an earlier request.
    public mutating func wake(at time: UInt64) {
        wakeTime = time
        cancelsWake = false
    }
    /// Cancels the requested wake-up.
    public mutating func cancelWake() {
        wakeTime = nil
        cancelsWake = true
    }
}

/// A device model written in Swift: a chip on the virtual bench's pins that answers changes
/// in virtual time. Write one for a part Strobe has no model of.
///
/// The bench calls ``respond(to:reply:)`` for every change of a ``watchedPins`` pin — made by
/// the code under test, an outside drive or another model — and for wake-ups the model asked
/// for; the reply's drives take effect at the change's virtual instant, before the store that
/// caused it returns, so the driver's next read sees them (a chip that answers at once).
/// The call comes on the model's own thread, one event at a time, while virtual time stands
/// still: the model keeps its state in its own stored properties (the class is used from that
/// one thread).
///
/// Rules: answer from your own state and the event (``BenchModelEvent/level(of:)``); never use
/// the bench, a ``Board`` on it or its pins from inside `respond` (the bench is waiting for the
/// answer, holding its lock); answer within the attachment's timeout (a late answer is dropped
/// and counted, ``SwiftModelAttachment/timeouts``). Models in C (`strobe_vbench_model`) cost
/// less per change — two thread switches less — and suit busy buses; a Swift model suits
/// everything whose changes are counted in thousands, not millions.
///
/// ```swift
/// /// An inverter: GPIO 27 always shows the opposite of GPIO 17.
/// final class Inverter: SwiftBenchModel, @unchecked Sendable {
///     let input = 17, output = 27
///     var watchedPins: Set<Int> { [input] }
///     func respond(to event: BenchModelEvent, reply: inout BenchModelReply) {
///         reply.drive(output, event.level == .high ? .low : .high)
///     }
/// }
/// let attachment = try bench.attach(Inverter())
/// ```
public protocol SwiftBenchModel: AnyObject, Sendable {
    /// The pins whose changes the model is told of.
    var watchedPins: Set<Int> { get }
    /// Answers one event; see the protocol's rules.
    func respond(to event: BenchModelEvent, reply: inout BenchModelReply)
}

/// A ``SwiftBenchModel`` on a bench; dropping it (or ``detach()``) takes the model off.
public final class SwiftModelAttachment: BenchDeviceModel, @unchecked Sendable {
    // Sendable: `attachment` is set by attach and cleared by detach, which the caller doesn't race.

    /// The model.
    public let model: any SwiftBenchModel
    /// How long the bench waits for one answer before it drops the event.
    public let timeout: Duration
    private var attachment: (bench: VirtualBench, id: Int32)?

    /// Wraps `model`; attach it with ``VirtualBench/attach(_:)``.
    public init(_ model: any SwiftBenchModel, timeout: Duration = .seconds(5)) {
        self.model = model
        self.timeout = timeout
    }

    deinit { detach() }

    /// Attaches the model: starts its thread and has the bench pass it changes of its pins.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when attached already or the bench has
    ///   no free model slot; ``StrobeError/invalidPin(_:layout:)`` for a watched pin the bench
    ///   lacks; ``StrobeError/outOfRange(parameter:value:range:)`` for a timeout outside 1 ms…60 s.
    public func attach(to bench: VirtualBench) throws(StrobeError) {
        guard attachment == nil else { throw .invalidArgument("this Swift model is attached already") }
        let ns = try Checked.nanoseconds(timeout, "the model's reply timeout", maximum: 60_000_000_000)
        guard ns >= 1_000_000 else {
            throw .outOfRange(parameter: "the model's reply timeout", value: "\(timeout)", range: "1 ms…60 s")
        }
        var watch: UInt64 = 0
        for pin in model.watchedPins {
            guard pin >= 0 && pin < bench.layout.pinCount else { throw .invalidPin(pin, layout: bench.layout) }
            watch |= 1 << UInt64(pin)
        }
        let box = Unmanaged.passRetained(ModelBox(model)).toOpaque()
        let id = strobe_vbench_attach_hosted(bench.handle, watch, { ctx, event, reply in
            guard let ctx, let event, let reply else { return }
            let box = Unmanaged<ModelBox>.fromOpaque(ctx).takeUnretainedValue()
            box.handle(event.pointee, into: reply)
        }, box, { ctx in
            guard let ctx else { return }
            Unmanaged<ModelBox>.fromOpaque(ctx).release()
        }, ns)
        guard id > 0 else {
            Unmanaged<ModelBox>.fromOpaque(box).release()
            throw .invalidArgument(id == -ENOSPC
                ? "the virtual bench holds \(STROBE_VBENCH_MAX_MODELS) models at most; detach one first"
                : "the Swift model could not be attached (errno \(-id))")
        }
        attachment = (bench, id)
    }

    /// Takes the model off the bench and stops its thread. Nothing when not attached.
    public func detach() {
        guard let a = attachment else { return }
        _ = strobe_vbench_detach_model(a.bench.handle, a.id)
        attachment = nil
    }

    /// Events dropped because the model didn't answer within ``timeout`` (0 when not attached).
    public var timeouts: Int {
        guard let a = attachment else { return 0 }
        return Int(max(0, strobe_vbench_hosted_timeouts(a.bench.handle, a.id)))
    }

    /// Replies that asked for something impossible — a pin the bench lacks, more than 16
    /// drives, a wake-up in the past — and were applied only in part (0 when not attached).
    public var rejectedReplies: Int {
        guard let a = attachment else { return 0 }
        return Int(max(0, strobe_vbench_hosted_rejected(a.bench.handle, a.id)))
    }
}

/// The model, and the hand-over from C's event and reply structs.
private final class ModelBox: @unchecked Sendable {
    let model: any SwiftBenchModel
    init(_ model: any SwiftBenchModel) { self.model = model }

    func handle(_ e: strobe_hosted_event, into out: UnsafeMutablePointer<strobe_hosted_reply>) {
        let event = BenchModelEvent(time: e.time_ns, pin: e.pin < 0 ? nil : Int(e.pin), level: Level(e.level != 0),
                                    levels: e.levels)
        var reply = BenchModelReply()
        model.respond(to: event, reply: &reply)
        let limit = Int(STROBE_HOSTED_MAX_DRIVES)
        // Over-long replies are passed as a count the C side rejects (and counts), after the
        // drives that fit.
        out.pointee.count = UInt32(min(reply.drives.count, limit + 1))
        withUnsafeMutableBytes(of: &out.pointee.drives) { raw in
            let slots = raw.bindMemory(to: strobe_hosted_drive.self)
            for (i, d) in reply.drives.prefix(limit).enumerated() {
                let pin = d.pin >= 0 && d.pin <= Int(UInt32.max) ? UInt32(d.pin) : UInt32.max
                slots[i] = strobe_hosted_drive(pin: pin, level: d.level.map { $0.isHigh ? 1 : 0 } ?? -1)
            }
        }
        if reply.cancelsWake { out.pointee.wake_ns = STROBE_HOSTED_WAKE_CANCEL }
        else if let t = reply.wakeTime { out.pointee.wake_ns = t == 0 ? 1 : t }
    }
}

extension VirtualBench {
    /// Attaches a device model written in Swift (see ``SwiftBenchModel``); keep the returned
    /// attachment alive for as long as the model should answer.
    public func attach(_ model: any SwiftBenchModel, timeout: Duration = .seconds(5)) throws(StrobeError) -> SwiftModelAttachment {
        let attachment = SwiftModelAttachment(model, timeout: timeout)
        try attachment.attach(to: self)
        return attachment
    }
}
