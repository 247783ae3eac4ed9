/*
 * strobe_signals.h — termination signals, delivered to a thread of the caller's choosing.
 *
 * A sigaction handler (async-signal-safe: one write(2) of the signal number to a pipe) that works
 * whichever thread the kernel delivers the signal to. (libdispatch's signal sources on Linux read
 * a signalfd, which sees a signal only if every thread blocks it: one thread that doesn't — a
 * sanitizer's runtime thread, a pthread started before — takes the signal and ignores it.)
 */
#ifndef STROBE_SIGNALS_H
#define STROBE_SIGNALS_H

#ifdef __cplusplus
extern "C" {
#endif

/** Catch `sig` (sigaction with SA_RESTART; the pipe is made on first use) and unblock it in the
 *  calling thread (a blocked mask inherited from the parent would hold it forever): from now on
 *  each delivery is queued for strobe_signal_wait. 0 or a negative errno (-EINVAL: not a signal
 *  that can be caught). */
int strobe_signal_catch(int sig);
/** Block until a caught signal arrives and return its number; a negative errno if the pipe
 *  failed (-EBADF before any strobe_signal_catch). Meant for one waiting thread. */
int strobe_signal_wait(void);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_SIGNALS_H */
