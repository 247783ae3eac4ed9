import CStrobe
import Foundation
import Synchronization
import Testing

/// A fake `class/gpio` in a temporary directory: what the kernel shows, minus the kernel. Nothing
/// reacts to writes here, so tests create `gpioN/` themselves where the kernel would.
struct FakeSysfs {
    let dir: TempDir
    var root: String { dir.path }

    /// gpiochip458 = the emulated Pi 3B's pinctrl-bcm2835; gpiochip512 = the firmware expander.
    init(chips: [(name: String, label: String, base: String, ngpio: String)] = [
        ("gpiochip458", "pinctrl-bcm2835", "458", "54"),
        ("gpiochip512", "raspberrypi-exp-gpio", "512", "8"),
    ]) throws {
        dir = try TempDir()
        try write("export", "")
        try write("unexport", "")
        for chip in chips {
            // The kernel ends every attribute with a newline.
            try write("\(chip.name)/label", chip.label + "\n")
            try write("\(chip.name)/base", chip.base + "\n")
            try write("\(chip.name)/ngpio", chip.ngpio + "\n")
        }
    }

    func url(_ rel: String) -> URL { dir.url.appendingPathComponent("class/gpio/\(rel)") }

    func write(_ rel: String, _ text: String) throws {
        let u = url(rel)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: u)
    }

    func read(_ rel: String) throws -> String { String(decoding: try Data(contentsOf: url(rel)), as: UTF8.self) }

    /// What export leaves for udev to fix up: gpioN/{direction,value,edge,active_low}.
    func makeLine(_ number: Int) throws {
        for (file, text) in [("direction", "in\n"), ("value", "0\n"), ("edge", "none\n"), ("active_low", "0\n")] {
            try write("gpio\(number)/\(file)", text)
        }
    }
}

/// A fixed C char array (imported as a tuple) up to its NUL.
private func string<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// A C string in a Swift buffer, up to its NUL.
private func string(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@Suite("sysfs backend (C core, on a temporary class/gpio tree)")
struct SysfsTests {
    // MARK: find_chip

    @Test("find_chip by label reads label, base and ngpio without their newlines")
    func findByLabel() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        var chip = strobe_sysfs_chip()
        #expect(strobe_sysfs_find_chip(fake.root, "pinctrl-bcm2835", &chip) == 0)
        #expect(string(chip.name) == "gpiochip458")
        #expect(string(chip.label) == "pinctrl-bcm2835")
        #expect(chip.base == 458)
        #expect(chip.ngpio == 54)
        #expect(strobe_sysfs_find_chip(fake.root, "raspberrypi-exp-gpio", &chip) == 0)
        #expect(string(chip.name) == "gpiochip512")
        #expect(chip.base == 512)
        #expect(chip.ngpio == 8)
    }

    @Test("find_chip without a label picks the chip with the most lines")
    func findMostLines() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        var chip = strobe_sysfs_chip()
        #expect(strobe_sysfs_find_chip(fake.root, nil, &chip) == 0)
        #expect(string(chip.label) == "pinctrl-bcm2835")
        #expect(chip.ngpio == 54)
    }

    @Test("find_chip: -ENOENT for an unknown label, an empty class/gpio, or no class/gpio at all")
    func findMissing() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        var chip = strobe_sysfs_chip()
        #expect(strobe_sysfs_find_chip(fake.root, "pinctrl-rp1", &chip) == -ENOENT)

        let empty = try FakeSysfs(chips: [])
        defer { empty.dir.cleanup() }
        #expect(strobe_sysfs_find_chip(empty.root, nil, &chip) == -ENOENT)

        let bare = try TempDir()  // a kernel without CONFIG_GPIO_SYSFS
        defer { bare.cleanup() }
        #expect(strobe_sysfs_find_chip(bare.path, nil, &chip) == -ENOENT)
    }

    @Test("find_chip: -EINVAL when the chip's base or ngpio is not a number")
    func findMalformed() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.write("gpiochip458/base", "abc\n")
        var chip = strobe_sysfs_chip()
        #expect(strobe_sysfs_find_chip(fake.root, "pinctrl-bcm2835", &chip) == -EINVAL)
        #expect(strobe_sysfs_find_chip(fake.root, nil, &chip) == -EINVAL)
        // A broken chip does not hide another one asked for by label.
        #expect(strobe_sysfs_find_chip(fake.root, "raspberrypi-exp-gpio", &chip) == 0)
        #expect(chip.base == 512)

        for bad in ["", "-1\n", "54 lines\n", "99999999999\n"] {
            let other = try FakeSysfs()
            defer { other.dir.cleanup() }
            try other.write("gpiochip458/ngpio", bad)
            #expect(strobe_sysfs_find_chip(other.root, "pinctrl-bcm2835", &chip) == -EINVAL, "ngpio \(bad.debugDescription)")
        }
    }

    // MARK: export / unexport

    @Test("export writes the number to `export`, then waits until gpioN/direction and value are writable")
    func exportWaits() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        // Stand in for the kernel and udev: the line's files appear only ~20 ms later. The time
        // they appeared is taken when they do, so a busy machine that runs this late only
        // makes the test slower, never wrong.
        let lineDir = fake.url("gpio475")
        let appeared = Mutex<ContinuousClock.Instant?>(nil)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
            appeared.withLock { $0 = .now }  // before the files, so export can't see them first
            try? FileManager.default.createDirectory(at: lineDir, withIntermediateDirectories: true)
            try? Data("in\n".utf8).write(to: lineDir.appendingPathComponent("direction"))
            try? Data("0\n".utf8).write(to: lineDir.appendingPathComponent("value"))
        }
        let rc = strobe_sysfs_export(fake.root, 475, 10_000)
        let returned = ContinuousClock.now
        #expect(rc == 0)
        #expect(try fake.read("export") == "475")
        // rc 0 means export saw the files, which exist only after `appeared` was set.
        let files = try #require(appeared.withLock { $0 }, "export returned before the files existed")
        #expect(returned - files < .milliseconds(1000), "export returned \(returned - files) after the files appeared: the polling is too slow")
    }

    @Test("export times out with -ETIMEDOUT when the files never appear, and gives the line back")
    func exportTimesOut() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        let start = ContinuousClock.now
        #expect(strobe_sysfs_export(fake.root, 475, 60) == -ETIMEDOUT)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(60))
        #expect(waited < .seconds(5), "a 60 ms timeout took \(waited)")  // generous: a loaded machine may be slow to wake us
        #expect(try fake.read("export") == "475")
        #expect(try fake.read("unexport") == "475", "a timed-out export is unexported again")
    }

    @Test("export: the files already there return at once; bad arguments and a missing export file fail")
    func exportEdges() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(17 + 458)
        #expect(strobe_sysfs_export(fake.root, 475, 0) == 0)
        #expect(strobe_sysfs_export(fake.root, -1, 100) == -EINVAL)
        #expect(strobe_sysfs_export(fake.root, 475, -1) == -EINVAL)
        let bare = try TempDir()
        defer { bare.cleanup() }
        #expect(strobe_sysfs_export(bare.path, 475, 10) == -ENOENT)
    }

    @Test("unexport writes the number to `unexport`")
    func unexport() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        #expect(strobe_sysfs_unexport(fake.root, 475) == 0)
        #expect(try fake.read("unexport") == "475")
        #expect(strobe_sysfs_unexport(fake.root, -3) == -EINVAL)
    }

    // MARK: line attributes

    @Test("set_direction writes exactly the kernel's words and refuses others")
    func direction() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        for word in ["out", "high", "low", "in"] {
            #expect(strobe_sysfs_set_direction(fake.root, 475, word) == 0)
            #expect(try fake.read("gpio475/direction") == word)
        }
        #expect(strobe_sysfs_set_direction(fake.root, 475, "output") == -EINVAL)
        #expect(strobe_sysfs_set_direction(fake.root, 475, nil) == -EINVAL)
        #expect(try fake.read("gpio475/direction") == "in", "a refused word writes nothing")
        #expect(strobe_sysfs_set_direction(fake.root, 476, "out") == -ENOENT, "not exported")
    }

    @Test("get_direction reads \"in\"/\"out\" without the newline")
    func getDirection() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        var buf = [CChar](repeating: 0x7f, count: 8)
        try fake.write("gpio475/direction", "out\n")
        #expect(strobe_sysfs_get_direction(fake.root, 475, &buf, buf.count) == 0)
        #expect(string(buf) == "out")
        try fake.write("gpio475/direction", "in\n")
        #expect(strobe_sysfs_get_direction(fake.root, 475, &buf, buf.count) == 0)
        #expect(string(buf) == "in")
        var small = [CChar](repeating: 0, count: 3)
        try fake.write("gpio475/direction", "out\n")
        #expect(strobe_sysfs_get_direction(fake.root, 475, &small, small.count) == -ERANGE)
        try fake.write("gpio475/direction", "sideways\n")
        #expect(strobe_sysfs_get_direction(fake.root, 475, &buf, buf.count) == -EIO)
    }

    @Test("set_edge writes none/rising/falling/both")
    func edge() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        let cases: [(strobe_edge, String)] = [
            (STROBE_EDGE_RISING, "rising"), (STROBE_EDGE_FALLING, "falling"),
            (STROBE_EDGE_BOTH, "both"), (STROBE_EDGE_NONE, "none"),
        ]
        for (edge, word) in cases {
            #expect(strobe_sysfs_set_edge(fake.root, 475, Int32(edge.rawValue)) == 0)
            #expect(try fake.read("gpio475/edge") == word)
        }
        #expect(strobe_sysfs_set_edge(fake.root, 475, 4) == -EINVAL)
        #expect(strobe_sysfs_set_edge(fake.root, 475, -1) == -EINVAL)
    }

    @Test("set_active_low writes 1 or 0")
    func activeLow() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        #expect(strobe_sysfs_set_active_low(fake.root, 475, 1) == 0)
        #expect(try fake.read("gpio475/active_low") == "1")
        #expect(strobe_sysfs_set_active_low(fake.root, 475, 0) == 0)
        #expect(try fake.read("gpio475/active_low") == "0")
    }

    // MARK: value

    @Test("write_value writes one byte at offset 0; read_value reads it back")
    func writeValue() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)  // value holds "0\n"
        let fd = strobe_sysfs_open_value(fake.root, 475, 0)
        #expect(fd >= 0)
        defer { close(fd) }
        for _ in 0..<3 {
            #expect(strobe_sysfs_write_value(fd, 1) == 0)
            #expect(try fake.read("gpio475/value") == "1\n", "always offset 0: the file does not grow")
            #expect(strobe_sysfs_read_value(fd) == 1)
            #expect(strobe_sysfs_write_value(fd, 0) == 0)
            #expect(try fake.read("gpio475/value") == "0\n")
            #expect(strobe_sysfs_read_value(fd) == 0)
        }
        #expect(strobe_sysfs_write_value(fd, 42) == 0, "any non-zero level is high")
        #expect(strobe_sysfs_read_value(fd) == 1)
    }

    @Test("read_value: \"0\\n\" is 0, \"1\" is 1, anything else is -EIO")
    func readValue() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        let fd = strobe_sysfs_open_value(fake.root, 475, 1)
        #expect(fd >= 0)
        defer { close(fd) }
        let cases: [(String, Int32)] = [("0\n", 0), ("1\n", 1), ("1", 1), ("x", -EIO), ("", -EIO), ("10\n", -EIO), ("2\n", -EIO)]
        for (text, expected) in cases {
            try fake.write("gpio475/value", text)  // rewrites the same inode: the fd sees it
            #expect(strobe_sysfs_read_value(fd) == expected, "value file \(text.debugDescription)")
        }
    }

    @Test("open_value: read-only fds refuse writes; a line that is not exported is -ENOENT")
    func openValue() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        let fd = strobe_sysfs_open_value(fake.root, 475, 1)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(strobe_sysfs_write_value(fd, 1) == -EBADF)
        #expect(strobe_sysfs_open_value(fake.root, 476, 0) == -ENOENT)
        #expect(strobe_sysfs_open_value(fake.root, -1, 0) == -EINVAL)
        #expect(strobe_sysfs_write_value(-1, 1) == -EBADF)
        #expect(strobe_sysfs_read_value(-1) == -EBADF)
    }

    // MARK: wait_edge

    @Test("wait_edge on a regular file times out: poll() never reports POLLPRI or POLLERR for one")
    func waitEdgeRegularFile() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(475)
        let fd = strobe_sysfs_open_value(fake.root, 475, 1)
        #expect(fd >= 0)
        defer { close(fd) }
        // A regular file is always readable and writable (POLLIN|POLLOUT), which we don't ask for.
        var p = pollfd(fd: fd, events: Int16(POLLPRI | POLLERR), revents: 0)
        #expect(poll(&p, 1, 0) == 0)
        var level: Int32 = -7
        let start = ContinuousClock.now
        #expect(strobe_sysfs_wait_edge(fd, 40, &level) == 0)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(40))
        #expect(level == -7, "no edge, no level")
        #expect(strobe_sysfs_wait_edge(fd, 0, &level) == 0)
    }

    @Test("wait_edge: bad descriptors are -EBADF, not a silent wait")
    func waitEdgeArguments() {
        var level: Int32 = 0
        // poll() skips negative fds: without the check this would sleep for the whole timeout.
        #expect(strobe_sysfs_wait_edge(-1, -1, &level) == -EBADF)
        // A number far above anything open (no race with other tests reusing a closed fd).
        #expect(strobe_sysfs_wait_edge(1_000_000, 1000, &level) == -EBADF)
        #expect(strobe_sysfs_wait_edge(0, 0, nil) == -EINVAL)
    }

    /// A real kernfs attribute holding "0\n" or "1\n", to show how sysfs poll() behaves.
    private static func kernfsLevelFile() -> String? {
        let candidates = ["/sys/class/net/lo/proto_down", "/sys/class/net/lo/dormant", "/sys/class/net/lo/carrier",
                          "/sys/kernel/mm/transparent_hugepage/use_zero_page", "/sys/devices/system/cpu/smt/active"]
        return candidates.first { path in
            guard let data = FileManager.default.contents(atPath: path) else { return false }
            return data == Data("0\n".utf8) || data == Data("1\n".utf8)
        }
    }

    @Test("on real sysfs, a fresh fd reports one stale POLLPRI; wait_edge's read re-arms, open_value pre-arms")
    func waitEdgeKernfs() throws {
        let attribute = try #require(Self.kernfsLevelFile(), "no readable 0/1 attribute under /sys: is sysfs mounted?")
        let expected: Int32 = FileManager.default.contents(atPath: attribute) == Data("1\n".utf8) ? 1 : 0
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try FileManager.default.createDirectory(at: fake.url("gpio475"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fake.url("gpio475/value").path, withDestinationPath: attribute)

        // kernfs starts an open file one notification behind: poll() fires at once, no edge needed.
        let raw = open(fake.url("gpio475/value").path, O_RDONLY | O_CLOEXEC)
        #expect(raw >= 0)
        defer { close(raw) }
        var level: Int32 = -1
        #expect(strobe_sysfs_wait_edge(raw, 1000, &level) == 1)
        #expect(level == expected)
        // wait_edge's read caught the fd up: now it waits for a real notification.
        #expect(strobe_sysfs_wait_edge(raw, 30, &level) == 0)

        // open_value reads once on open, so the first wait reports only real edges.
        let fd = strobe_sysfs_open_value(fake.root, 475, 1)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(strobe_sysfs_wait_edge(fd, 30, &level) == 0)
        #expect(strobe_sysfs_read_value(fd) == expected)
    }
}
