import CStrobe
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension GPIOController {
    /// Opt-in cleanup: on SIGINT, SIGTERM or SIGHUP (a closed terminal, a dropped ssh session),
    /// release every claimed pin (restoring its previous function and pull), then exit with
    /// status 128 + signal number, as a shell expects.
    ///
    /// The signal handler only queues the signal; the cleanup runs on a thread of its own, not in
    /// a signal handler, and may take locks. It is safe while other threads still drive
    /// the pins: a libgpiod or sysfs pin released under a running loop does nothing from then on
    /// (see ``GpiodChip/releaseLine(_:token:keepState:)``, ``SysfsGPIO/releaseLine(_:token:keepState:)``),
    /// and a register pin's stores land in the block the pin keeps mapped. To stop the loop
    /// itself first — so that nothing is written after the pins are restored, and `beforeRelease`
    /// sees a quiet bench — pass a `gate` the loop runs its steps through. Only the first signal
    /// is acted on (every registration that takes it runs, in order); the process is exiting by
    /// the time another arrives.
    /// - Parameters:
    ///   - signals: the signals to take; SIGINT, SIGTERM and SIGHUP unless told otherwise.
    ///   - gate: closed first (waiting for a step in progress), so a loop that runs its steps
    ///     through it stops before anything is released.
    ///   - beforeRelease: runs next, e.g. to stop a waveform player or write a trace of what
    ///     the pins did.
    ///   - beforeExit: runs after the pins are restored, before the process exits (e.g. to save a
    ///     virtual bench's state).
    public func restoreOnTermination(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP], gate: TerminationGate? = nil,
                                     beforeRelease: @escaping @Sendable () -> Void = {},
                                     beforeExit: @escaping @Sendable () -> Void = {}) {
        TerminationSources.register(signals: signals) { [self] in
            gate?.close()
            beforeRelease()
            releaseAll()
            beforeExit()
        }
    }
}

/// A handshake between a termination handler and the loop that drives the pins: the loop runs
/// each step (a set, a clear, an advance of the virtual bench) through ``run(_:)`` and waits
/// through ``sleep(nanoseconds:)``; ``close()`` — what
/// ``GPIOController/restoreOnTermination(signals:gate:beforeRelease:beforeExit:)`` does first —
/// waits for a step in progress, wakes a sleeping loop, and lets no further step run. So the
/// pins are restored, and a trace written, with the loop standing still.
///
/// A pthread mutex and condition variable on CLOCK_MONOTONIC; a step costs one uncontended lock
/// and unlock.
public final class TerminationGate: @unchecked Sendable {
    // Sendable: `closed` is read and written only with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var closed = false

    /// An open gate.
    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wake.deallocate()
    }

    /// Whether the gate has closed (a termination signal arrived).
    public var isClosed: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return closed
    }

    /// Runs `body` with the gate held, unless it has closed: then returns nil without running it.
    /// Keep `body` short (a few pin writes): ``close()`` waits for it.
    public func run<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return nil }
        return try body()
    }

    /// Waits `nanoseconds` (CLOCK_MONOTONIC), or less when the gate closes meanwhile.
    /// - Returns: `true` after the full wait with the gate still open; `false` once it has closed.
    public func sleep(nanoseconds: UInt64) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        // Far deadlines are clamped to about 292 years, which no wait outlives.
        let (seconds, overflow) = Int(now.tv_sec).addingReportingOverflow(Int(clamping: nanoseconds / 1_000_000_000))
        var deadline = timespec(tv_sec: overflow ? Int.max : seconds, tv_nsec: now.tv_nsec + Int(nanoseconds % 1_000_000_000))
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_nsec -= 1_000_000_000
            if deadline.tv_sec < Int.max { deadline.tv_sec += 1 }
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !closed {
            if pthread_cond_timedwait(wake, mutex, &deadline) == ETIMEDOUT { return !closed }
        }
        return false
    }

    /// Closes the gate: waits for a ``run(_:)`` in progress, wakes ``sleep(nanoseconds:)``, and
    /// no step runs after. Idempotent.
    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
    }

    /// Parks the calling thread for good. For a loop that saw the gate close: the termination
    /// handler restores the pins and exits the process, so there is nothing left to return to.
    public func waitForExit() -> Never {
        pthread_mutex_lock(mutex)
        while true { pthread_cond_wait(wake, mutex) }
    }
}

/// The cleanups registered for each signal, and the one thread that runs them. The signal itself
/// is caught by a C handler that only writes its number to a pipe (``strobe_signal_catch``),
/// so it works whichever thread the kernel picks; the cleanup runs on the waiting thread, an
/// ordinary thread that may take locks. The first signal runs every cleanup registered for it,
/// in order, then exits; the process is gone before a second is read.
private enum TerminationSources {
    struct Registration: Sendable {
        let signals: [Int32]
        let cleanup: @Sendable () -> Void
    }
    static let registrations = Mutex<[Registration]>([])
    static let waiter = Mutex<Bool>(false)

    static func register(signals: [Int32], cleanup: @escaping @Sendable () -> Void) {
        registrations.withLock { $0.append(Registration(signals: signals, cleanup: cleanup)) }
        for sig in signals { _ = strobe_signal_catch(sig) }
        waiter.withLock { started in
            guard !started else { return }
            started = startThread(run) != nil
        }
    }

    static func run() {
        while true {
            let sig = strobe_signal_wait()
            guard sig > 0 else { return }  // the pipe failed: nothing more will arrive
            let mine = registrations.withLock { $0.filter { $0.signals.contains(sig) } }
            for r in mine { r.cleanup() }
            exit(128 + sig)
        }
    }
}
