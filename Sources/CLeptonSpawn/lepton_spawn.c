#define _GNU_SOURCE
#include "lepton_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/// Closes every descriptor from `lowest` on except `keep`.
static void close_from(int lowest, int keep) {
#if defined(__linux__) && defined(SYS_close_range)
    if (keep < lowest) {
        if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
    } else if ((keep == lowest || syscall(SYS_close_range, (unsigned)lowest, (unsigned)(keep - 1), 0) == 0)
               && syscall(SYS_close_range, (unsigned)(keep + 1), ~0U, 0) == 0) {
        return;
    }
#endif
    long limit = sysconf(_SC_OPEN_MAX);
    if (limit < 0 || limit > 65536) limit = 65536;
    for (int fd = lowest; fd < limit; fd++)
        if (fd != keep) close(fd);
}

struct spawn_request {
    const char *const *argv;
    const char *const *envp;
    const char *cwd;
    int output_fd;
    const char *log_path;
    const int *extra_fds;
    const char *const *extra_paths;
    int extra_count;
    pid_t parent;
    int report;
    sigset_t parent_mask;
    /// The dispositions to reset before the exec.
    sigset_t changed_dispositions;
    /// /dev/null opened by the parent (-1: the child opens it).
    int null_fd;
    /// Redirections applied after the chdir, in order (a command run without a shell).
    const int *redirect_fds;
    const char *const *redirect_paths;
    const int *redirect_flags;
    int redirect_count;
    /// Fail as `sh -c` would: a message on stderr and status 127/126 (2 for a redirection),
    /// not an error reported to the caller.
    int shell_errors;
};

/// Writes `text` to stderr. Async-signal-safe.
static void put_error(const char *text) {
    ssize_t ignored = write(2, text, strlen(text));
    (void)ignored;
}

/// The description of the errors a redirection or an exec commonly meets, without strerror
/// (locale data, not async-signal-safe).
static const char *error_text(int error) {
    switch (error) {
    case ENOENT: return "No such file or directory";
    case EACCES: return "Permission denied";
    case EISDIR: return "Is a directory";
    case ENOTDIR: return "Not a directory";
    case EROFS: return "Read-only file system";
    case ENOSPC: return "No space left on device";
    case ELOOP: return "Too many levels of symbolic links";
    case ENAMETOOLONG: return "File name too long";
    case ENOEXEC: return "Exec format error";
    case E2BIG: return "Argument list too long";
    case ETXTBSY: return "Text file busy";
    default: return "error";
    }
}

/// The signals whose disposition is not the default in Lepton (caught or ignored, inherited or
/// installed), read once with a `sigaction` query per signal and again after
/// lepton_spawn_dispositions_changed(): a child resets only those, about 60 `sigaction` calls
/// fewer per spawn than resetting them all.
static pthread_mutex_t dispositions_lock = PTHREAD_MUTEX_INITIALIZER;
static int dispositions_known = 0;
static sigset_t dispositions_changed_set;

void lepton_spawn_dispositions_changed(void) {
    pthread_mutex_lock(&dispositions_lock);
    dispositions_known = 0;
    pthread_mutex_unlock(&dispositions_lock);
}

static void non_default_dispositions(sigset_t *out) {
    pthread_mutex_lock(&dispositions_lock);
    if (!dispositions_known) {
        sigemptyset(&dispositions_changed_set);
        for (int number = 1; number < NSIG; number++) {
            if (number == SIGKILL || number == SIGSTOP) continue;
            struct sigaction current;
            if (sigaction(number, NULL, &current) != 0) continue;  // glibc's own (32, 33)
            if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL)
                sigaddset(&dispositions_changed_set, number);
        }
        // The ones Lepton catches, whatever they are at this moment.
        sigaddset(&dispositions_changed_set, SIGINT);
        sigaddset(&dispositions_changed_set, SIGTERM);
        sigaddset(&dispositions_changed_set, SIGHUP);
        dispositions_known = 1;
    }
    *out = dispositions_changed_set;
    pthread_mutex_unlock(&dispositions_lock);
}

/// Resets the dispositions in `changed` to the default (signals are blocked by then, so no
/// handler of Lepton's ever runs in a child or the supervisor). Async-signal-safe.
static void reset_signal_dispositions(const sigset_t *changed) {
    for (int number = 1; number < NSIG; number++) {
        if (number == SIGKILL || number == SIGSTOP || sigismember(changed, number) != 1) continue;
        signal(number, SIG_DFL);
    }
}

/// Reads up to `size - 1` bytes of a small file (a `/proc` entry) and ends them with a NUL;
/// returns the count, or -1. Async-signal-safe.
static ssize_t read_small_file(const char *path, char *buffer, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t count = read(fd, buffer, size - 1);
    close(fd);
    if (count >= 0) buffer[count] = 0;
    return count;
}

/// Sets the child up and execs: standard descriptors, the extra outputs, the working directory,
/// default signal handling. Only async-signal-safe calls, no allocation: it runs between clone
/// and exec on a stack of its own in Lepton's memory, or in a supervisor's forked child.
static void exec_child(struct spawn_request *r, int own_group) {
    int report = r->report;
    int error = 0;
    // Signals were blocked by the parent: defaults before unblocking.
    reset_signal_dispositions(&r->changed_dispositions);
    sigset_t empty;
    sigemptyset(&empty);
    pid_t parent = getppid();
    if (own_group) setpgid(0, 0);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before the line above
#endif
    int in = r->null_fd >= 0 ? r->null_fd : open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0) goto fail;
    if (r->output_fd >= 0) {
        if (dup2(r->output_fd, 1) < 0) goto fail;
    } else {
        int out = open(r->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || dup2(out, 1) < 0) goto fail;
    }
    if (dup2(1, 2) < 0) goto fail;
    // Keep the report pipe (close-on-exec) out of the way of the extra descriptors.
    if (r->extra_count > 0) {
        int moved = fcntl(report, F_DUPFD_CLOEXEC, 1000);
        report = moved >= 0 ? moved : report;
    }
    close_from(3, report);
    for (int i = 0; i < r->extra_count; i++) {
        int fd = open(r->extra_paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) goto fail;
        if (fd != r->extra_fds[i]) {
            if (dup2(fd, r->extra_fds[i]) < 0) goto fail;
            close(fd);
        }
    }
    if (chdir(r->cwd) != 0) goto fail;
    for (int i = 0; i < r->redirect_count; i++) {
        int fd = open(r->redirect_paths[i], r->redirect_flags[i], 0666);
        if (fd < 0) {
            int failure = errno;
            put_error((r->redirect_flags[i] & O_ACCMODE) == O_RDONLY ? "cannot open " : "cannot create ");
            put_error(r->redirect_paths[i]);
            put_error(": ");
            put_error(error_text(failure));
            put_error("\n");
            _exit(2);
        }
        if (fd != r->redirect_fds[i]) {
            if (dup2(fd, r->redirect_fds[i]) < 0) goto fail;
            close(fd);
        }
    }
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execvpe(r->argv[0], (char *const *)r->argv, (char *const *)r->envp);
    if (r->shell_errors) {
        int failure = errno;
        put_error(r->argv[0]);
        put_error(failure == ENOENT ? ": not found\n" : ": ");
        if (failure != ENOENT) {
            put_error(error_text(failure));
            put_error("\n");
        }
        _exit(failure == ENOENT || failure == ENOTDIR ? 127 : 126);
    }
fail:
    error = errno;
    if (report >= 0) {
        ssize_t ignored = write(report, &error, sizeof error);
        (void)ignored;
    }
    _exit(127);
}

/// The clone child: its own process group, then the exec.
static int child_main(void *argument) {
    exec_child(argument, 1);
    return 127;
}

#ifdef __linux__
/// Writes the decimal digits of `value` at `cursor`; returns the end.
static char *put_number(char *cursor, long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (count > 0) *cursor++ = digits[--count];
    return cursor;
}

/// Signals the supervisor's own children (orphans of the tree come here: it is their
/// subreaper), each child's process group too when it leads one. Returns how many it found.
static int signal_children(int signal_number) {
    char path[64] = "/proc/self/task/";
    char *end = put_number(path + strlen(path), (long)getpid());
    memcpy(end, "/children", sizeof "/children");
    char buffer[4096];
    ssize_t count = read_small_file(path, buffer, sizeof buffer);
    if (count <= 0) return 0;
    int found = 0;
    long pid = 0;
    for (ssize_t i = 0; i <= count; i++) {
        char c = i < count ? buffer[i] : ' ';
        if (c >= '0' && c <= '9') {
            pid = pid * 10 + (c - '0');
        } else if (pid > 0) {
            if (getpgid((pid_t)pid) == (pid_t)pid) kill(-(pid_t)pid, signal_number);
            kill((pid_t)pid, signal_number);
            found++;
            pid = 0;
        }
    }
    return found;
}

/// Reaps every exited child without waiting; records the main child's status.
static void reap(pid_t child, int *child_status, int *child_done) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == child) {
            *child_status = status;
            *child_done = 1;
        }
    }
}

/// A supervisor process between Lepton and a command whose own children leave its process group
/// (a compiler driver's frontends): it is the subreaper of the whole tree, so when the command
/// ends, is stopped, or Lepton dies (PR_SET_PDEATHSIG), everything the command started is
/// stopped — SIGTERM, then after `grace_ms` SIGKILL — and reaped before the supervisor exits
/// with the command's status. Runs in a forked copy of Lepton: async-signal-safe calls only.
static void supervise(struct spawn_request *r, int grace_ms) {
    reset_signal_dispositions(&r->changed_dispositions);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    setpgid(0, 0);
    prctl(PR_SET_NAME, "lepton-supervise");
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != r->parent) _exit(127);
    pid_t child = fork();
    if (child == 0) exec_child(r, 0);
    if (child < 0) {
        int error = errno;
        ssize_t ignored = write(r->report, &error, sizeof error);
        (void)ignored;
        _exit(127);
    }
    close(r->report);
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGHUP);
    sigaddset(&stops, SIGQUIT);
    sigaddset(&stops, SIGCHLD);
    int child_status = 0, child_done = 0, stopped_by = 0;
    while (!child_done) {
        reap(child, &child_status, &child_done);
        if (child_done) break;
        struct timespec tick = {0, 100 * 1000 * 1000};
        int received = sigtimedwait(&stops, NULL, &tick);
        if (received > 0 && received != SIGCHLD) {
            stopped_by = received;
            break;
        }
    }
    // Whatever the command left behind, or everything when it is being stopped.
    if (stopped_by && grace_ms > 0) {
        signal_children(SIGTERM);
        for (int waited = 0; waited < grace_ms; waited += 20) {
            reap(child, &child_status, &child_done);
            if (signal_children(0) == 0) break;
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    for (;;) {
        reap(child, &child_status, &child_done);
        if (signal_children(SIGKILL) == 0) break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == ECHILD) break;
        if (pid == child) {
            child_status = status;
            child_done = 1;
        }
    }
    int death = stopped_by ? stopped_by : (WIFSIGNALED(child_status) ? WTERMSIG(child_status) : 0);
    if (death) {
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, death);
        signal(death, SIG_DFL);
        kill(getpid(), death);
        sigprocmask(SIG_UNBLOCK, &only, NULL);
        _exit(128 + death);
    }
    _exit(WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 127);
}
#endif

/// The clone child's stack, one per calling thread, kept for the thread's life: with CLONE_VFORK
/// the caller is suspended until the child execs or exits, after which the stack is unused, so
/// the thread's next spawn takes it again. Mapping and unmapping one per spawn cost an
/// inter-processor TLB flush each time in a multi-threaded Lepton.
static const size_t spawn_stack_size = 256 * 1024;
static pthread_key_t spawn_stack_key;
static pthread_once_t spawn_stack_once = PTHREAD_ONCE_INIT;

static void spawn_stack_release(void *stack) { munmap(stack, spawn_stack_size); }

static void spawn_stack_key_create(void) { pthread_key_create(&spawn_stack_key, spawn_stack_release); }

static void *spawn_stack(void) {
    pthread_once(&spawn_stack_once, spawn_stack_key_create);
    void *stack = pthread_getspecific(spawn_stack_key);
    if (stack) return stack;
    stack = mmap(NULL, spawn_stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return NULL;
    int error = pthread_setspecific(spawn_stack_key, stack);
    if (error != 0) {
        munmap(stack, spawn_stack_size);
        errno = error;
        return NULL;
    }
    return stack;
}

/// /dev/null for the children's standard input, opened once (close-on-exec; the child's `dup2`
/// onto 0 clears that flag): one `open` per spawn fewer.
static int null_fd = -1;
static pthread_once_t null_once = PTHREAD_ONCE_INIT;

static void null_open(void) { null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC); }

static int null_descriptor(void) {
    pthread_once(&null_once, null_open);
    return null_fd;
}

int lepton_spawn(const char *const *argv, const char *const *envp, const char *cwd, int output_fd,
                 const char *log_path, const int *extra_fds, const char *const *extra_paths, int extra_count,
                 const int *redirect_fds, const char *const *redirect_paths, const int *redirect_flags,
                 int redirect_count, int shell_errors, int supervised_grace_ms, pid_t *pid_out) {
    int pipes[2];
    if (pipe2(pipes, O_CLOEXEC) != 0) return errno;
    struct spawn_request request = {argv, envp, cwd, output_fd, log_path, extra_fds, extra_paths, extra_count,
                                    getpid(), pipes[1]};
    non_default_dispositions(&request.changed_dispositions);
    request.null_fd = null_descriptor();
    request.redirect_fds = redirect_fds;
    request.redirect_paths = redirect_paths;
    request.redirect_flags = redirect_flags;
    request.redirect_count = redirect_count;
    request.shell_errors = shell_errors;
    // The child's stack; the child runs in Lepton's memory (CLONE_VM) until it execs, which
    // costs no page-table copy (fork of a large process costs a millisecond and more).
    void *stack = spawn_stack();
    if (!stack) {
        int error = errno;
        close(pipes[0]);
        close(pipes[1]);
        return error;
    }
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &request.parent_mask);
    pid_t pid;
#ifdef __linux__
    if (supervised_grace_ms >= 0) {
        pid = fork();
        if (pid == 0) supervise(&request, supervised_grace_ms);
    } else
#endif
        pid = clone(child_main, (char *)stack + spawn_stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &request.parent_mask, NULL);
    close(pipes[1]);
    if (pid < 0) {
        close(pipes[0]);
        return clone_error;
    }
    setpgid(pid, pid);  // also here, so a kill of the group right after the return reaches it
    int error = 0;
    ssize_t count;
    do {
        count = read(pipes[0], &error, sizeof error);
    } while (count < 0 && errno == EINTR);
    close(pipes[0]);
    if (count == (ssize_t)sizeof error) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return error ? error : ENOEXEC;
    }
    *pid_out = pid;
    return 0;
}

unsigned long long lepton_boot_ticks(void) {
    // The kernel reports a start time as its boot-time clock (start_boottime) in USER_HZ ticks.
    struct timespec now;
    if (clock_gettime(CLOCK_BOOTTIME, &now) != 0) return 0;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) hz = 100;
    unsigned long long nanoseconds = (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec;
    return nanoseconds / (1000000000ULL / (unsigned long long)hz);
}

unsigned long long lepton_process_start_time(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char buffer[1024];
    if (read_small_file(path, buffer, sizeof buffer) <= 0) return 0;
    // The command name (field 2) may hold spaces and parentheses: skip to the last ')'.
    char *cursor = strrchr(buffer, ')');
    if (!cursor) return 0;
    cursor++;
    // Fields 3.. follow; the start time is field 22.
    for (int field = 3; field < 22; field++) {
        cursor = strchr(cursor + 1, ' ');
        if (!cursor) return 0;
    }
    return strtoull(cursor + 1, NULL, 10);
}
