/*
 * The native oracle of the emulator's differential test: runs x86-64 machine code on the host CPU, in user
 * mode, and reports the registers, RFLAGS, the exception (if any) and what changed in a data buffer.
 *
 * Many cases per process, in batches over stdin/stdout (little-endian, see DifftestProtocol.java):
 *   request batch : u32 count (0 ends the process), then per case
 *                   u16 codeLen, u16 patchBytes, u32 reserved, u64 regs[16], u64 rflags, u64 fillSeed,
 *                   code[codeLen], patches (u16 offset, u16 len, bytes[len])... totalling patchBytes
 *   response      : per case
 *                   u8 status (0 ran to the end, 1 exception, 2 timeout), u8 vector, u16 reserved,
 *                   u32 errorCode, u32 diffBytes, u32 reserved, u64 regs[16], u64 rflags, u64 rip, u64 cr2,
 *                   diff runs (u16 offset, u16 len, bytes[len])... totalling diffBytes
 * Registers are in encoding order (RAX RCX RDX RBX RSP RBP RSI RDI R8..R15).
 *
 * The data buffer lives at DATA_BASE (MAP_FIXED, nothing mapped either side, so running off it is a #PF);
 * before each case it is filled from fillSeed with splitmix64 and then patched. The code is copied to
 * CODE_BASE and followed by "jmp [rip+0]; .quad exit_stub". Entry and exit go through stubs that load and
 * save every register with RIP-relative moves, so the case's RSP can point anywhere (a fault's signal frame
 * goes to an alternate stack). A fault is caught by a signal handler, which reads the vector, error code
 * and CR2 the kernel leaves in the ucontext and resumes at a recovery stub; no system call is made on the
 * normal path, so a case costs microseconds.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define DATA_BASE 0x10000000UL
#define DATA_SIZE 0x4000UL
#define CODE_BASE 0x10100000UL
#define CODE_SIZE 0x1000UL
#define MAX_CODE 3072

struct regs {
    uint64_t r[16];
    uint64_t rflags; /* offset 128 */
    uint64_t pad;
};

/* Touched by the stubs by name. */
struct regs in_st __attribute__((aligned(64)));
struct regs out_st __attribute__((aligned(64)));
uint64_t host_rsp;
uint64_t code_entry = CODE_BASE;

static volatile uint64_t fault_vector, fault_err, fault_cr2, fault_rip;
static volatile int faulted;

extern void run_case(void);
extern void exit_stub(void);
extern void fault_return(void);

__asm__(
    ".text\n"
    ".globl run_case\n"
    "run_case:\n"
    "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  mov %rsp, host_rsp(%rip)\n"
    /* RFLAGS first, from a popfq on the struct itself; then every register with plain moves. */
    "  lea in_st+128(%rip), %rsp\n"
    "  popfq\n"
    "  mov in_st+0(%rip), %rax\n mov in_st+8(%rip), %rcx\n mov in_st+16(%rip), %rdx\n"
    "  mov in_st+24(%rip), %rbx\n mov in_st+40(%rip), %rbp\n mov in_st+48(%rip), %rsi\n"
    "  mov in_st+56(%rip), %rdi\n mov in_st+64(%rip), %r8\n mov in_st+72(%rip), %r9\n"
    "  mov in_st+80(%rip), %r10\n mov in_st+88(%rip), %r11\n mov in_st+96(%rip), %r12\n"
    "  mov in_st+104(%rip), %r13\n mov in_st+112(%rip), %r14\n mov in_st+120(%rip), %r15\n"
    "  mov in_st+32(%rip), %rsp\n"
    "  jmp *code_entry(%rip)\n"
    ".globl exit_stub\n"
    "exit_stub:\n"
    "  mov %rax, out_st+0(%rip)\n mov %rcx, out_st+8(%rip)\n mov %rdx, out_st+16(%rip)\n"
    "  mov %rbx, out_st+24(%rip)\n mov %rsp, out_st+32(%rip)\n mov %rbp, out_st+40(%rip)\n"
    "  mov %rsi, out_st+48(%rip)\n mov %rdi, out_st+56(%rip)\n mov %r8, out_st+64(%rip)\n"
    "  mov %r9, out_st+72(%rip)\n mov %r10, out_st+80(%rip)\n mov %r11, out_st+88(%rip)\n"
    "  mov %r12, out_st+96(%rip)\n mov %r13, out_st+104(%rip)\n mov %r14, out_st+112(%rip)\n"
    "  mov %r15, out_st+120(%rip)\n"
    "  lea out_st+136(%rip), %rsp\n"
    "  pushfq\n"
    ".globl fault_return\n"
    "fault_return:\n"
    "  cld\n" /* the C ABI wants DF clear; the case may have set it */
    "  mov host_rsp(%rip), %rsp\n"
    "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "  ret\n");

/* ucontext register slots in encoding order */
static const int UC_REG[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                               REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void on_fault(int sig, siginfo_t *si, void *ctx) {
    (void) si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if ((uint64_t) g[REG_RIP] - CODE_BASE >= CODE_SIZE) {
        if (sig == SIGALRM) { alarm(1); return; } /* not inside a case: try again shortly */
        signal(sig, SIG_DFL);                     /* a fault in the harness itself: die loudly */
        return;
    }
    for (int i = 0; i < 16; i++) out_st.r[i] = (uint64_t) g[UC_REG[i]];
    out_st.rflags = (uint64_t) g[REG_EFL];
    fault_rip = (uint64_t) g[REG_RIP];
    fault_vector = sig == SIGALRM ? 255 : (uint64_t) g[REG_TRAPNO];
    fault_err = (uint64_t) g[REG_ERR];
    fault_cr2 = (uint64_t) g[REG_CR2];
    faulted = sig == SIGALRM ? 2 : 1;
    g[REG_RIP] = (greg_t) fault_return;
    g[REG_RSP] = (greg_t) host_rsp; /* the case's RSP may be non-canonical: the return from the signal must not use it */
    g[REG_EFL] &= ~(greg_t) 0x400; /* DF */
}

static uint8_t initial[DATA_SIZE];

static void fill(uint64_t seed) {
    for (size_t i = 0; i < DATA_SIZE; i += 8) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        memcpy(initial + i, &z, 8);
    }
}

static void read_exact(void *p, size_t n) {
    if (n && fread(p, 1, n, stdin) != n) exit(n ? 3 : 0);
}

static void write_all(const void *p, size_t n) {
    if (n && fwrite(p, 1, n, stdout) != n) exit(4);
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

int main(void) {
    static char inbuf[1 << 20], outbuf[1 << 20];
    setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    uint8_t *data = mmap((void *) DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (data != (void *) DATA_BASE) die("mmap data");
    uint8_t *code = mmap((void *) CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (void *) CODE_BASE) die("mmap code");
    /* The pages around the buffer must be unmapped so running off it faults the same way as in the emulator. */
    for (uint64_t a = DATA_BASE - 0x1000; a <= DATA_BASE + DATA_SIZE; a += DATA_SIZE + 0x1000)
        if (msync((void *) a, 0x1000, MS_ASYNC) == 0) { fprintf(stderr, "page %lx is mapped\n", a); return 2; }
    memset(code, 0xCC, CODE_SIZE);

    stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16};
    if (sigaltstack(&ss, NULL)) die("sigaltstack");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
        if (sigaction(sigs[i], &sa, NULL)) die("sigaction");

    static const uint8_t trailer[6] = {0xFF, 0x25, 0, 0, 0, 0}; /* jmp *0(%rip) */
    uint64_t exit_addr = (uint64_t) exit_stub;
    static uint8_t patchbuf[65536], diff[DATA_SIZE * 5 + 16];
    size_t last_code = 0;

    for (;;) {
        uint32_t count;
        if (fread(&count, 4, 1, stdin) != 1 || count == 0) return 0;
        alarm(20); /* a case that never ends (a bug in the generator) must not hang the test */
        for (uint32_t c = 0; c < count; c++) {
            uint8_t hdr[8];
            read_exact(hdr, 8);
            uint16_t code_len, patch_bytes;
            memcpy(&code_len, hdr, 2);
            memcpy(&patch_bytes, hdr + 2, 2);
            read_exact(in_st.r, 16 * 8);
            read_exact(&in_st.rflags, 8);
            uint64_t seed;
            read_exact(&seed, 8);
            if (code_len > MAX_CODE) { fprintf(stderr, "code too long: %u\n", code_len); return 2; }
            memset(code, 0xCC, last_code);
            read_exact(code, code_len);
            memcpy(code + code_len, trailer, 6);
            memcpy(code + code_len + 6, &exit_addr, 8);
            last_code = code_len + 14u;
            read_exact(patchbuf, patch_bytes);

            fill(seed);
            for (size_t p = 0; p + 4 <= patch_bytes;) {
                uint16_t off, len;
                memcpy(&off, patchbuf + p, 2);
                memcpy(&len, patchbuf + p + 2, 2);
                if ((size_t) off + len > DATA_SIZE || p + 4 + len > patch_bytes) { fprintf(stderr, "bad patch\n"); return 2; }
                memcpy(initial + off, patchbuf + p + 4, len);
                p += 4u + len;
            }
            memcpy(data, initial, DATA_SIZE);
            in_st.rflags = (in_st.rflags & 0xCD5) | 0x202; /* CF PF AF ZF SF DF OF; bit 1 and IF as a user runs */

            faulted = 0;
            run_case();

            uint8_t resp[24];
            memset(resp, 0, sizeof resp);
            uint64_t rip = code_len + CODE_BASE, cr2 = 0;
            if (faulted) {
                resp[0] = (uint8_t) faulted;
                resp[1] = (uint8_t) fault_vector;
                uint32_t err = (uint32_t) fault_err;
                memcpy(resp + 4, &err, 4);
                rip = fault_rip;
                cr2 = fault_cr2;
            }
            size_t d = 0;
            for (size_t i = 0; i < DATA_SIZE;) {
                if (data[i] == initial[i]) { i++; continue; }
                size_t j = i;
                while (j < DATA_SIZE && data[j] != initial[j]) j++;
                put16(diff + d, (uint16_t) i);
                put16(diff + d + 2, (uint16_t) (j - i));
                memcpy(diff + d + 4, data + i, j - i);
                d += 4 + (j - i);
                i = j;
            }
            uint32_t db = (uint32_t) d;
            memcpy(resp + 8, &db, 4);
            write_all(resp, 16);
            write_all(out_st.r, 128);
            write_all(&out_st.rflags, 8);
            write_all(&rip, 8);
            write_all(&cr2, 8);
            write_all(diff, d);
        }
        alarm(0);
        fflush(stdout);
    }
}
