public import CStrobe

/// A simulated GPIO register block that a ``Board`` can run on. The virtual bench (module
/// StrobeSimulator, `VirtualBench`) is the one Strobe ships; this protocol is what keeps it out
/// of programs that only drive hardware.
///
/// Driver code loads and stores ``registerBlock`` exactly as it would the block `/dev/gpiomem`
/// maps; the simulation supplies what hardware would: simulated time for timed code, and edges.
public protocol RegisterSimulation: AnyObject, Sendable {
    /// The register layout simulated.
    var layout: Layout { get }
    /// The block driver code reads and writes, shaped like `layout`'s registers.
    var registerBlock: UnsafeMutablePointer<UInt32> { get }
    /// Simulated time, ns.
    var now: UInt64 { get }
    /// The clock timed C code runs on (register waits, the waveform player): simulated time,
    /// valid while the simulation lives.
    var clock: strobe_clock { get }
    /// The pull on `pin` as the model holds it (known even where the silicon can't report it,
    /// as on BCM2835); nil when none is modelled.
    func pull(of pin: Int) -> Pull?
    /// Edges of `pin`, which `board` has claimed as an input under `token`, in simulated time;
    /// closing the source gives the pin back (``Board/releaseLine(_:token:keepState:)``).
    func edgeSource(board: Board, pin: Int, token: UInt64) -> any EdgeSource
}
