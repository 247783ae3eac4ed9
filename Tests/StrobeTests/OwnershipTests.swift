import CStrobe
import CStrobeGpiod
import Foundation
import Synchronization
import Testing
@_spi(StrobeInternals) @testable import Strobe
@testable import StrobeSimulator

/// Ownership that cannot dangle (issue 10, part 4): after `releaseAll()` — what a termination
/// signal runs, maybe while another thread still toggles — a live pin's calls are no-ops or a
/// typed error on every backend; never freed memory, never another file's descriptor.
/// libgpiod is shown on a fake chip (`strobe_gpiod_chip_fake`: the C core's request objects,
/// locks and revokes, with levels in memory instead of a kernel); sysfs on a temporary tree.
/// scripts/sanitizers runs these under AddressSanitizer and ThreadSanitizer.
@Suite("Ownership after releaseAll and across threads")
struct OwnershipTests {
    // MARK: libgpiod (fake chip)

    @Test("libgpiod: after releaseAll a live pin's set, clear and read do nothing; direction calls throw pinReleased")
    func gpiodAfterReleaseAll() throws {
        let chip = try GpiodChip(fakeLines: 8)
        let pin = try chip.output(3, initial: .low)
        pin.set()
        #expect(pin.read() == .high, "the fake request keeps the level")
        #expect(!pin.line.isReleased)
        chip.releaseAll()
        #expect(pin.line.isReleased)
        pin.set()
        pin.clear()
        pin.toggle()
        #expect(pin.read() == .low, "a revoked request reads nothing (-EBADF inside)")
        #expect(strobe_gpiod_set(pin.line.cRequest, 0, 1) == -EBADF)
        #expect(strobe_gpiod_get(pin.line.cRequest, 0) == -EBADF)
        #expect(throws: StrobeError.pinReleased(3)) { try GpiodChip.makeInput(pin.line) }
        #expect(throws: StrobeError.pinReleased(3)) { try GpiodChip.makeOutput(pin.line, level: .high) }
        // The line is free again for a new claim, which the old handle can't disturb.
        let again = try chip.output(3, initial: .high)
        pin.clear()
        #expect(again.read() == .high)
        _ = consume pin  // dropping the stale handle doesn't end the new claim
        #expect(chip.claims.isClaimed(3))
        #expect(again.read() == .high)
    }

    @Test("libgpiod: switchable and open-drain pins after releaseAll throw pinReleased")
    func gpiodSwitchableAfterReleaseAll() throws {
        let chip = try GpiodChip(fakeLines: 8)
        let sw = try chip.switchable(1, as: .output(initial: .low))
        let od = try chip.openDrain(2, pull: nil)
        try od.driveLow()
        #expect(od.read() == .low)
        chip.releaseAll()
        #expect(throws: StrobeError.pinReleased(1)) { try sw.makeInput() }
        #expect(throws: StrobeError.pinReleased(2)) { try od.driveLow() }
        #expect(throws: StrobeError.pinReleased(2)) { try od.release() }
        sw.set()
        #expect(sw.read() == .low)
    }

    @Test("libgpiod: an output group after releaseAll writes nothing and its read is a typed error")
    func gpiodGroupAfterReleaseAll() throws {
        let chip = try GpiodChip(fakeLines: 8)
        let group = try chip.outputs([4, 5, 6])
        group.set(mask: 0b11_0000)
        #expect(try group.read() == 0b11_0000)
        chip.releaseAll()
        group.write(mask: 0b111_0000)
        #expect(throws: StrobeError.system(operation: "reading", path: "lines 4, 5, 6", errno: .badFileDescriptor)) { _ = try group.read() }
        #expect(!chip.claims.isClaimed(5))
    }

    @Test("libgpiod: a line copied out of its pin outlives the pin and the chip without touching freed memory")
    func gpiodLineOutlivesChip() throws {
        var line: GpiodLine?
        do {
            let chip = try GpiodChip(fakeLines: 4)
            let pin = try chip.output(0)
            line = pin.line
        }
        let stale = try #require(line)
        #expect(stale.isReleased)
        GpiodChip.set(stale)
        #expect(!GpiodChip.read(stale))
    }

    @Test("libgpiod: releaseAll on another thread while a loop toggles: the loop runs on as no-ops")
    func gpiodConcurrentRelease() throws {
        let chip = try GpiodChip(fakeLines: 8)
        let pins = try (0..<4).map { try chip.output($0).line }
        let writes = Tally()
        onThreads(pins.map { line in {
            for i in 0..<20_000 {
                if i & 1 == 0 { GpiodChip.set(line) } else { GpiodChip.clear(line) }
                GpiodChip.toggle(line)
                _ = GpiodChip.read(line)
                writes.count.add(1, ordering: .relaxed)
            }
        } } + [{
            while writes.count.load(ordering: .relaxed) < 2_000 { sched_yield() }
            chip.releaseAll()
        }])
        #expect(pins.allSatisfy { $0.isReleased })
        #expect(chip.claims.all.isEmpty)
    }

    // MARK: sysfs (temporary tree)

    @Test("sysfs: after releaseAll a live pin's set reaches no file - not a file opened after, which may reuse a number")
    func sysfsNoWriteToReusedDescriptor() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 17)
        let gpio = try SysfsGPIO(root: fake.root)
        let pin = try gpio.output(17, initial: .low)
        pin.set()
        #expect(try fake.read("gpio475/value").hasPrefix("1"))
        try fake.write("gpio475/value", "0\n")
        let fd = pin.line.cFileDescriptor
        gpio.releaseAll()
        #expect(pin.line.isReleased)
        #expect(try fake.read("unexport") == "475")
        // Files opened now get the lowest free numbers; the released pin's is not among them.
        let victimPath = fake.root + "/victim"
        try Data("untouched\n".utf8).write(to: URL(fileURLWithPath: victimPath))
        let victims = (0..<8).map { _ in open(victimPath, O_RDWR | O_CLOEXEC) }
        defer { for v in victims where v >= 0 { close(v) } }
        #expect(victims.allSatisfy { $0 >= 0 && $0 != fd }, "the released number stays taken: \(victims) vs \(fd)")
        for _ in 0..<100 {
            pin.set()
            pin.toggle()
            pin.clear()
        }
        #expect(strobe_sysfs_write_value(fd, 1) == -EBADF)
        #expect(strobe_sysfs_read_value(fd) == -EBADF)
        #expect(pin.read() == .low)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: victimPath)), as: UTF8.self) == "untouched\n")
        #expect(try fake.read("gpio475/value") == "0\n", "nor the line's own value file")
        #expect(throws: StrobeError.pinReleased(17)) { try SysfsGPIO.makeInput(pin.line) }
    }

    @Test("sysfs: the released descriptor is closed with the last handle")
    func sysfsDescriptorClosedWithHandle() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 4)
        let gpio = try SysfsGPIO(root: fake.root)
        var fd: Int32 = -1
        do {
            let pin = try gpio.output(4)
            fd = pin.line.cFileDescriptor
            gpio.releaseAll()
            #expect(fcntl(fd, F_GETFD) >= 0, "held by the placeholder while the pin lives")
        }
        #expect(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "closed once the pin is gone")
    }

    @Test("sysfs: releaseAll on another thread while a loop toggles: no write after it lands in any file")
    func sysfsConcurrentRelease() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        for line in 0..<4 { try fake.makeLine(458 + line) }
        let gpio = try SysfsGPIO(root: fake.root)
        let lines = try (0..<4).map { try gpio.output($0).line }
        let writes = Tally()
        onThreads(lines.map { line in {
            for i in 0..<3_000 {
                if i & 1 == 0 { SysfsGPIO.set(line) } else { SysfsGPIO.clear(line) }
                _ = SysfsGPIO.read(line)
                writes.count.add(1, ordering: .relaxed)
            }
        } } + [{
            while writes.count.load(ordering: .relaxed) < 400 { sched_yield() }
            gpio.releaseAll()
        }])
        #expect(lines.allSatisfy { $0.isReleased })
        #expect(lines.allSatisfy { strobe_sysfs_write_value($0.cFileDescriptor, 1) == -EBADF })
    }

    // MARK: registers

    @Test("registers: after releaseAll a live pin's stores land in the block it keeps mapped, and the pin stays restored")
    func registersAfterReleaseAll() throws {
        let board = try Board.virtual(.bcm2711)
        let pin = try board.output(17, initial: .low)
        #expect(try board.state(of: 17).function == .output)
        board.releaseAll()
        #expect(try board.state(of: 17).function == .input)
        pin.set()  // GPSET0 on an input: the latch changes, nothing is driven
        pin.clear()
        #expect(try board.state(of: 17).function == .input)
        #expect(board.claimedPins.isEmpty)
    }

    @Test("registers: a switchable or open-drain pin after releaseAll changes no direction")
    func registersSwitchableAfterReleaseAll() throws {
        let board = try Board.virtual(.bcm2711)
        let sw = try board.switchable(5, as: .output(initial: .low))
        let od = try board.openDrain(6, pull: .up)
        try od.driveLow()
        #expect(try board.state(of: 6).function == .output)
        board.releaseAll()
        #expect(try board.state(of: 5).function == .input && board.state(of: 6).function == .input)
        try sw.makeOutput(.high)
        try od.driveLow()
        #expect(try board.state(of: 5).function == .input, "the restored pin stays an input")
        #expect(try board.state(of: 6).function == .input)
        // A new claim of the pin is not the old handle's: its direction calls stay no-ops.
        let again = try board.switchable(5, as: .input())
        try sw.makeOutput(.high)
        #expect(try board.state(of: 5).function == .input)
        try again.makeOutput(.low)
        #expect(try board.state(of: 5).function == .output)
    }

    @Test("registers: releaseAll while other threads switch directions leaves the pins restored")
    func registersConcurrentRelease() throws {
        // One switching thread per register word: on a RAM block (what this test can use) two
        // threads storing to one GPSETn word is a data race to ThreadSanitizer, though on
        // hardware those are write-1-to-set stores that OutputPin's Sendable contract allows.
        for (layout, pins) in [(Layout.bcm2711, [5, 40]), (.rp1, [5])] {
            let board = try Board.ram(layout)
            let lines = try pins.map { try board.switchable($0, as: .input()).line }
            let switches = Tally()
            onThreads(lines.map { line in {
                for i in 0..<20_000 {
                    if i & 1 == 0 { Board.makeOutput(line, level: .high) } else { Board.makeInput(line) }
                    switches.count.add(1, ordering: .relaxed)
                }
                Board.makeOutput(line, level: .high)  // after the release: must do nothing
            } } + [{
                while switches.count.load(ordering: .relaxed) < 2_000 { sched_yield() }
                board.releaseAll()
            }])
            for pin in pins {
                #expect(try board.state(of: pin).function != .output, "\(layout) GPIO \(pin) restored, not left an output")
            }
        }
    }

    // MARK: TerminationGate

    @Test("TerminationGate: steps run while open; close wakes a long sleep at once and stops later steps")
    func gate() throws {
        let gate = TerminationGate()
        #expect(gate.run { 7 } == 7)
        #expect(gate.sleep(nanoseconds: 1_000_000), "a short sleep runs out with the gate open")
        let start = ContinuousClock.now
        let slept = Flag(), woke = Flag()
        onThreads([
            { slept.value.store(gate.sleep(nanoseconds: 30_000_000_000), ordering: .releasing); woke.value.store(true, ordering: .releasing) },
            { strobe_sleep_ns(50_000_000); gate.close() },
        ])
        let (w, full) = (woke.value.load(ordering: .acquiring), slept.value.load(ordering: .acquiring))
        #expect(w && !full, "the sleep ended early, reporting the close")
        #expect(ContinuousClock.now - start < .seconds(10), "woken, not timed out after 30 s")
        #expect(gate.isClosed)
        var ran = false
        #expect(gate.run { ran = true } == nil)
        #expect(!ran)
        #expect(gate.sleep(nanoseconds: UInt64.max) == false, "a closed gate never sleeps, even for 2^64 ns")
    }

    @Test("TerminationGate: close waits for a step in progress")
    func gateWaitsForStep() throws {
        let gate = TerminationGate()
        let inside = Flag(), finished = Flag(), sawFinished = Flag()
        onThreads([
            {
                _ = gate.run {
                    inside.value.store(true, ordering: .releasing)
                    strobe_sleep_ns(100_000_000)
                    finished.value.store(true, ordering: .releasing)
                }
            },
            {
                while !inside.value.load(ordering: .acquiring) { sched_yield() }
                gate.close()
                sawFinished.value.store(finished.value.load(ordering: .acquiring), ordering: .releasing)
            },
        ])
        let saw = sawFinished.value.load(ordering: .acquiring)
        #expect(saw, "close returned only after the step")
    }
}

/// Runs each body on a thread of its own (not the test's task pool, which blocking bodies would
/// starve) and waits for all of them.
func onThreads(_ bodies: [@Sendable () -> Void]) {
    let done = DispatchGroup()
    for body in bodies {
        done.enter()
        Thread.detachNewThread {
            body()
            done.leave()
        }
    }
    done.wait()
}

/// A count shared by test threads.
final class Tally: Sendable { let count = Atomic<Int>(0) }
/// A flag shared by test threads.
final class Flag: Sendable { let value = Atomic<Bool>(false) }

/// The CLI under signals: blink restores its pin and writes its trace on SIGINT, SIGTERM and
/// SIGHUP, on the virtual bench and on sysfs.
@Suite("strobe blink under signals", .serialized)
struct BlinkSignalTests {
    func interrupt(_ arguments: [String], with signal: Int32, after: Duration = .milliseconds(500)) async throws -> Int32 {
        let process = Process()
        process.executableURL = try strobeExecutable()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: after)
        #expect(process.isRunning, "blink runs until told to stop")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        return process.terminationStatus
    }

    @Test("blink --trace writes its VCD and restores the pin when interrupted", arguments: [SIGINT, SIGTERM, SIGHUP])
    func blinkTraceOnSignal(_ signal: Int32) async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = dir.path + "/state", vcd = dir.path + "/blink.vcd"
        let status = try await interrupt(["blink", "17", "--hz", "500", "--trace", vcd, "--virtual", "bcm2711", "--fresh", "--virtual-state", state], with: signal)
        #expect(status == 128 + signal)
        let edges = try vcdChanges(vcd, signal: "GPIO17")
        // How many depends on how soon the process got going on a busy machine; some, always.
        #expect(edges.count >= 2, "a VCD of what ran before the signal: \(edges.count) changes")
        let r = try runStrobe(["get", "17", "--virtual", "bcm2711", "--virtual-state", state])
        #expect(r.stdout == "GPIO17 = 0 (input, pull down)\n", "the pin is an input again: \(r.stdout)\(r.stderr)")
    }

    @Test("strobe trace OUT -- blink writes the VCD when interrupted by SIGINT")
    func traceCommandOnSignal() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let vcd = dir.path + "/trace.vcd"
        let status = try await interrupt(["trace", vcd, "--", "blink", "18", "--hz", "500", "--virtual", "rp1", "--fresh", "--virtual-state", dir.path + "/state"], with: SIGINT)
        #expect(status == 130)
        #expect(try vcdChanges(vcd, signal: "GPIO18").count >= 2)
    }

    @Test("blink on sysfs: SIGHUP and SIGINT unexport the line and exit 128 + signal", arguments: [SIGINT, SIGHUP])
    func sysfsBlinkOnSignal(_ signal: Int32) async throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 17)
        let status = try await interrupt(["blink", "17", "--hz", "100", "--backend", "sysfs", "--sysfs-root", fake.root], with: signal)
        #expect(status == 128 + signal)
        #expect(try fake.read("unexport") == "475", "the line is given back")
    }
}
