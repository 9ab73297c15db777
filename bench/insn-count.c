/*
 * Counts the instructions a Linux program executes, by single-stepping it with ptrace from exec to exit: the
 * instruction counter of bench/cpu.sh (no perf counters in our VMs, no QEMU plugin headers installed). Each
 * iteration of a REP string instruction traps separately under the trap flag, so it counts once per
 * iteration, as QEMU's -icount does.
 *
 * Usage: insn-count PROGRAM [ARG...]   Prints "instructions=<n>" on stderr; the program's output is its own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: insn-count PROGRAM [ARG...]\n");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        execvp(argv[1], argv + 1);
        perror("exec");
        _exit(127);
    }
    int status;
    /* the child stops with SIGTRAP after exec: count from there */
    if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
        fprintf(stderr, "insn-count: the program did not start\n");
        return 2;
    }
    unsigned long long n = 0;
    for (;;) {
        if (ptrace(PTRACE_SINGLESTEP, child, NULL, NULL) < 0) {
            perror("PTRACE_SINGLESTEP");
            return 2;
        }
        if (waitpid(child, &status, 0) < 0) {
            perror("waitpid");
            return 2;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        n++;
        if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
            /* a real signal: deliver it on the next step */
            int sig = WSTOPSIG(status);
            if (ptrace(PTRACE_SINGLESTEP, child, NULL, (void *)(long)sig) < 0)
                return 2;
            if (waitpid(child, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status))
                break;
        }
    }
    fprintf(stderr, "instructions=%llu\n", n);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
