#ifndef LEPTON_SPAWN_H
#define LEPTON_SPAWN_H

#include <sys/types.h>

/// Starts `argv[0]` (looked up on PATH when it has no '/') in a new process group, with
/// standard input from /dev/null, standard output and error to `output_fd` (or, when it is -1,
/// to `log_path`, truncated), no other inherited descriptor, `extra_count` descriptors opened
/// for writing (`extra_fds[i]` onto `extra_paths[i]`), default signal handling, working
/// directory `cwd`. On Linux the child is killed with SIGKILL when the thread that started it
/// dies (PR_SET_PDEATHSIG), so a stage never outlives a killed Lepton.
///
/// With `supervised_grace_ms` >= 0 (Linux), a supervisor process sits between: the pid is the
/// supervisor's, whose group also holds the command; it is the subreaper of everything the
/// command starts, and when the command ends, is stopped (SIGTERM/SIGINT/SIGHUP to the
/// supervisor) or Lepton dies, it stops what is left — even in other process groups — with
/// SIGTERM and after the grace SIGKILL (0: at once), reaps it, and exits as the command did.
///
/// For a command run without a shell, after the working directory is set, each
/// `redirect_paths[i]` is opened with `redirect_flags[i]` (mode 0666, less the umask) onto
/// descriptor `redirect_fds[i]`, in order (`redirect_count` of them, 0 for none). With
/// `shell_errors`, failures end the child the way `sh -c` would: a redirection that cannot be
/// opened prints `cannot create PATH: REASON` on stderr and exits 2, a program that cannot be run
/// prints `PROGRAM: not found` (or the reason) and exits 127 (126), and nothing is reported to
/// the caller.
///
/// Returns 0 and stores the pid, or an errno value (the exec's own failure included, unless
/// `shell_errors`).
int lepton_spawn(const char *const *argv, const char *const *envp, const char *cwd, int output_fd,
                 const char *log_path, const int *extra_fds, const char *const *extra_paths, int extra_count,
                 const int *redirect_fds, const char *const *redirect_paths, const int *redirect_flags,
                 int redirect_count, int shell_errors, int supervised_grace_ms, pid_t *pid_out);

/// Tells the spawner that a signal's disposition changed (a handler installed or removed, a
/// signal ignored): each child resets the dispositions that are not the default, read again at
/// the next spawn. Every change Lepton makes goes through lepton_signals_catch/release, which
/// call this.
void lepton_spawn_dispositions_changed(void);

/// The start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or 0
/// when it does not exist or cannot be read: with the pid, it names one process for good.
unsigned long long lepton_process_start_time(pid_t pid);

/// Now, in the clock ticks since boot that lepton_process_start_time counts in: a process
/// started between two readings has a start time between them, so the spawner knows it
/// without reading /proc.
unsigned long long lepton_boot_ticks(void);

/// Catches SIGINT, SIGTERM and SIGHUP with a handler that writes each signal's number as one
/// byte to a pipe — async-signal-safe, whichever thread the kernel delivers it to, whatever mask
/// or disposition Lepton inherited — and unblocks them in the calling thread. Returns the pipe's
/// read end (close-on-exec), or -1 with errno set. One catcher at a time.
int lepton_signals_catch(void);

/// Puts back the default handling of the three signals and closes the pipe's write end, so a
/// reader of the read end sees end of file.
void lepton_signals_release(void);

#endif
