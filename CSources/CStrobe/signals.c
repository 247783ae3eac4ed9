/*
 * signals.c — termination signals through a self-pipe (see strobe_signals.h).
 */
#define _GNU_SOURCE
#include "strobe_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int pipe_fds[2] = {-1, -1};
static int pipe_errno;
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;

static void make_pipe(void) {
    /* The write end never blocks: a full pipe (64 KiB of pending signals) drops the rest, which
     * only repeat what is already queued. */
    if (pipe2(pipe_fds, O_CLOEXEC) < 0 || fcntl(pipe_fds[1], F_SETFL, O_NONBLOCK) < 0) pipe_errno = errno;
}

static void on_signal(int sig) {
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    ssize_t ignored = write(pipe_fds[1], &byte, 1);
    (void)ignored;
    errno = saved;
}

int strobe_signal_catch(int sig) {
    if (sig <= 0 || sig > 255 || sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
    pthread_once(&pipe_once, make_pipe);
    if (pipe_errno) return -pipe_errno;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0) return -errno;
    /* A process started with the signal blocked (a parent's mask is inherited) would never see
     * it: let this thread — and the threads it starts, such as the waiting one — take it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    int r = pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return r ? -r : 0;
}

int strobe_signal_wait(void) {
    if (pipe_fds[0] < 0) return -EBADF;
    for (;;) {
        unsigned char byte;
        ssize_t r = read(pipe_fds[0], &byte, 1);
        if (r == 1) return byte;
        if (r < 0 && errno == EINTR) continue;
        return r < 0 ? -errno : -EIO;
    }
}
