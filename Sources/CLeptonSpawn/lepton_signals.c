#define _GNU_SOURCE
#include "lepton_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <unistd.h>

static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
static volatile int signal_pipe_write = -1;

/// Async-signal-safe: one byte per signal, errno kept.
static void note_signal(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    if (signal_pipe_write >= 0) (void)!write(signal_pipe_write, &byte, 1);
    errno = saved;
}

int lepton_signals_catch(void) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    signal_pipe_write = fds[1];
    struct sigaction action;
    action.sa_handler = note_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (unsigned i = 0; i < sizeof caught / sizeof caught[0]; i++) {
        sigaction(caught[i], &action, NULL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, caught[i]);
        pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    }
    lepton_spawn_dispositions_changed();
    return fds[0];
}

void lepton_signals_release(void) {
    for (unsigned i = 0; i < sizeof caught / sizeof caught[0]; i++) signal(caught[i], SIG_DFL);
    lepton_spawn_dispositions_changed();
    int write_end = signal_pipe_write;
    signal_pipe_write = -1;
    if (write_end >= 0) close(write_end);
}
