public import Strobe

extension Board {
    /// Opens a new virtual bench with `layout`'s registers, in their reset state.
    public static func virtual(_ layout: Layout) throws(StrobeError) -> Board {
        try Board.simulated(by: try VirtualBench(layout: layout))
    }

    /// The virtual bench behind this board, when it is one.
    public var bench: VirtualBench? { simulation as? VirtualBench }
}
