import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension GPIOController {
    /// Opt-in cleanup: on SIGINT or SIGTERM, release every claimed pin (restoring its previous
    /// function and pull), then exit with status 128 + signal number, as a shell expects.
    ///
    /// The signals are taken with a dispatch source, so the cleanup runs on an ordinary thread,
    /// not in a signal handler, and may take locks. Call it once per board.
    /// - Parameters:
    ///   - beforeRelease: runs first, e.g. to stop a waveform player so nothing writes to the
    ///     pins while they are being restored.
    ///   - beforeExit: runs after the pins are restored, before the process exits (e.g. to save a
    ///     virtual bench's state).
    public func restoreOnTermination(signals: [Int32] = [SIGINT, SIGTERM], beforeRelease: @escaping @Sendable () -> Void = {},
                                     beforeExit: @escaping @Sendable () -> Void = {}) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                beforeRelease()
                releaseAll()
                beforeExit()
                exit(128 + sig)
            }
            source.resume()
            TerminationSources.keep(source)
        }
    }
}

/// Keeps the dispatch sources alive for the life of the process.
private enum TerminationSources {
    static func keep(_ source: any DispatchSourceSignal) { _ = Unmanaged.passRetained(source as AnyObject) }
}
