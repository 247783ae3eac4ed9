/// Output pins of one 32-pin bank claimed together and written together: ``OutputGroup`` on the
/// register block (one store per mask operation) and `GpiodOutputGroup` on libgpiod (one ioctl).
/// Code generic over it (`func flash<G: OutputPinGroup & ~Copyable>(_ g: borrowing G)`)
/// specializes per backend, so nothing dynamic sits between a mask write and its store or ioctl.
///
/// Masks use bit positions within the bank: bit n is pin n of bank 0, pin 32+n of bank 1. Bits
/// of pins outside the group are ignored, so a group never touches pins it doesn't own.
public protocol OutputPinGroup: ~Copyable, Sendable {
    /// The pins of the group, in the order they were claimed.
    var pins: [Int] { get }
    /// The group's pins as a bank mask.
    var mask: UInt32 { get }
    /// Drives high every group pin whose bit is set in `bits`.
    func set(mask bits: UInt32)
    /// Drives low every group pin whose bit is set in `bits`.
    func clear(mask bits: UInt32)
    /// Drives every group pin to its bit in `bits`.
    func write(mask bits: UInt32)
    /// The levels of the group's pins as a bank mask.
    /// - Throws: ``StrobeError/system(operation:path:errno:)`` where reading is a system call
    ///   that can fail (libgpiod); the register block's read cannot.
    func read() throws(StrobeError) -> UInt32
}

extension OutputGroup: OutputPinGroup {}
