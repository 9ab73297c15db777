/*
 * The hvenl micro-guest: Celadon's host-side enlightenments from the guest's side. "part=" on the command line
 * picks one: 1 timing (reference counter, TSC page, frequency MSRs), 2 synthetic timers (direct one-shot and
 * periodic, message mode and its pending/EOM protocol), 3 crash MSRs ("crash=" 1 with a panic message, 2 with a
 * bad message length, 3 registers only). Every line is "key=value" for the host test; where the enlightenment is
 * absent the first MSR access takes #GP, the guest says so and powers off.
 */
#include "idt.h"

#define LAPIC 0xFEE00000UL

#define MSR_GUEST_OS_ID 0x40000000
#define MSR_TIME_REF_COUNT 0x40000020
#define MSR_REFERENCE_TSC 0x40000021
#define MSR_TSC_FREQUENCY 0x40000022
#define MSR_APIC_FREQUENCY 0x40000023
#define MSR_SCONTROL 0x40000080
#define MSR_SIMP 0x40000083
#define MSR_EOM 0x40000084
#define MSR_SINT0 0x40000090
#define MSR_STIMER_CONFIG(n) (0x400000B0 + 2 * (n))
#define MSR_STIMER_COUNT(n) (0x400000B1 + 2 * (n))
#define MSR_CRASH_P(n) (0x40000100 + (n))
#define MSR_CRASH_CTL 0x40000105

#define ONESHOT_VECTOR 0x40
#define PERIODIC_VECTOR 0x41
#define SINT_VECTOR 0x52
#define TIMER_SINT 3

#define STIMER_ENABLE 1UL
#define STIMER_PERIODIC 2UL
#define STIMER_AUTO_ENABLE 8UL
#define STIMER_DIRECT (1UL << 12)


static u8 tsc_page[4096] __attribute__((aligned(4096)));
static u8 simp[4096] __attribute__((aligned(4096)));
static char panic_text[4096] __attribute__((aligned(4096)));
volatile u32 oneshot_count, periodic_count, sint_count;
volatile u64 oneshot_time, periodic_first, periodic_last;

/* The interrupt entries (the #GP one is lib.c's gp_entry, idt.h). */
__asm__(".text\n"
        /* The timers' vectors record the reference time at delivery (the MSR), so early firing shows. */
        "oneshot_entry:\n"
        "  push %rax; push %rcx; push %rdx\n"
        "  mov $0x40000020, %ecx\n"
        "  rdmsr\n"
        "  shl $32, %rdx; or %rdx, %rax\n"
        "  mov %rax, oneshot_time(%rip)\n"
        "  lock incl oneshot_count(%rip)\n"
        "  mov $0xFEE000B0, %eax; movl $0, (%rax)\n"
        "  pop %rdx; pop %rcx; pop %rax\n"
        "  iretq\n"
        "periodic_entry:\n"
        "  push %rax; push %rcx; push %rdx\n"
        "  mov $0x40000020, %ecx\n"
        "  rdmsr\n"
        "  shl $32, %rdx; or %rdx, %rax\n"
        "  cmpl $0, periodic_count(%rip)\n"
        "  jne 1f\n"
        "  mov %rax, periodic_first(%rip)\n"
        "1: mov %rax, periodic_last(%rip)\n"
        "  lock incl periodic_count(%rip)\n"
        "  mov $0xFEE000B0, %eax; movl $0, (%rax)\n"
        "  pop %rdx; pop %rcx; pop %rax\n"
        "  iretq\n"
        "sint_entry:\n"
        "  lock incl sint_count(%rip)\n"
        "  push %rax\n"
        "  mov $0xFEE000B0, %eax\n"
        "  movl $0, (%rax)\n"
        "  pop %rax\n"
        "  iretq\n"
        "spurious_entry:\n"
        "  iretq\n");
extern void oneshot_entry(void), periodic_entry(void), sint_entry(void), spurious_entry(void);

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
    return ((u64)hi << 32) | lo;
}

static u64 ref_now(void)
{
    return rdmsr(MSR_TIME_REF_COUNT);
}

/* Busy-waits (interrupts on) until the reference counter has advanced by ticks. */
static void spin_ref(u64 ticks)
{
    u64 end = ref_now() + ticks;
    while (ref_now() < end)
        cpu_relax();
}

static void wait_until(volatile u32 *word, u32 atleast)
{
    for (;;) {
        __asm__ volatile("cli");
        if (*word >= atleast)
            break;
        __asm__ volatile("sti; hlt"); /* sti's shadow: no lost wake-up between the check and hlt */
    }
    __asm__ volatile("sti");
}

static void wait_slot(volatile u32 *type)
{
    for (;;) {
        __asm__ volatile("cli");
        if (*type != 0)
            break;
        __asm__ volatile("sti; hlt");
    }
    __asm__ volatile("sti");
}

/* Reference time from the TSC page the TLFS way: retry while the sequence changes; 0 means "use the MSR". */
static u64 page_time(u64 *tsc_out)
{
    volatile u32 *seq = (volatile u32 *)tsc_page;
    for (;;) {
        u32 s = *seq;
        if (s == 0)
            return 0;
        __asm__ volatile("" ::: "memory");
        u64 scale = *(volatile u64 *)(tsc_page + 8);
        long offset = *(volatile long *)(tsc_page + 16);
        u64 tsc = rdtsc();
        __asm__ volatile("" ::: "memory");
        if (*seq == s) {
            *tsc_out = tsc;
            return (u64)(((unsigned __int128)tsc * scale) >> 64) + offset;
        }
    }
}

static void timing(void)
{
    int gp;
    u64 r = rdmsr_gp(MSR_TIME_REF_COUNT, &gp);
    printf("ref-count gp=%u\n", gp);
    if (gp)
        return;
    printf("ref-count-write gp=%u\n", wrmsr_gp(MSR_TIME_REF_COUNT, 5));
    printf("tsc-frequency=%lu\n", rdmsr(MSR_TSC_FREQUENCY));
    printf("apic-frequency=%lu\n", rdmsr(MSR_APIC_FREQUENCY));
    printf("tsc-frequency-write gp=%u\n", wrmsr_gp(MSR_TSC_FREQUENCY, 1));

    /* The counter against RDTSC: t0 before r0, t1 after r1, so the host can check ref(t0) <= r0 <= r1 <= ref(t1). */
    u64 t0 = rdtsc();
    u64 r0 = ref_now();
    spin_ref(20000); /* 2 ms */
    u64 r1 = ref_now();
    u64 t1 = rdtsc();
    printf("counter t0=%lu r0=%lu r1=%lu t1=%lu first=%lu\n", t0, r0, r1, t1, r);

    printf("reference-tsc-msr=%lx\n", rdmsr(MSR_REFERENCE_TSC));
    printf("reference-tsc-reserved gp=%u\n", wrmsr_gp(MSR_REFERENCE_TSC, (u64)tsc_page | 1 | 2));
    printf("reference-tsc-outside-ram gp=%u\n", wrmsr_gp(MSR_REFERENCE_TSC, 0x100000000UL | 1));
    printf("reference-tsc-enable gp=%u\n", wrmsr_gp(MSR_REFERENCE_TSC, (u64)tsc_page | 1));
    printf("reference-tsc-msr=%lx page=%lx\n", rdmsr(MSR_REFERENCE_TSC), (u64)tsc_page);
    printf("tsc-page seq=%x scale=%lx offset=%lx\n", *(u32 *)tsc_page, *(u64 *)(tsc_page + 8),
           *(u64 *)(tsc_page + 16));
    u64 tsc = 0;
    u64 before = ref_now();
    u64 p = page_time(&tsc);
    u64 after = ref_now();
    printf("sample before=%lu tsc=%lu page=%lu after=%lu\n", before, tsc, p, after);
    printf("tsc-page-consistent=%u\n", p != 0 && before <= p && p <= after);
    /* Time keeps going through the page alone. */
    u64 q = 0, pq = 0;
    spin_ref(10000);
    pq = page_time(&q);
    printf("page-advanced=%u\n", pq >= p + 10000);
}

static void stimers(void)
{
    int gp;
    rdmsr_gp(MSR_STIMER_CONFIG(0), &gp);
    printf("stimer gp=%u\n", gp);
    if (gp)
        return;
    printf("stimer-reserved gp=%u\n", wrmsr_gp(MSR_STIMER_CONFIG(0), 1UL << 13));
    printf("stimer-low-vector gp=%u\n", wrmsr_gp(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_DIRECT | (5 << 4)));
    printf("stimer-bad-sint gp=%u\n", wrmsr_gp(MSR_STIMER_CONFIG(0), STIMER_ENABLE | (16UL << 16)));

    /* Direct mode, one-shot, armed by the COUNT write (auto-enable), as Linux 6.1's stimer0 does. */
    wrmsr_gp(MSR_STIMER_CONFIG(0), STIMER_DIRECT | STIMER_AUTO_ENABLE | ((u64)ONESHOT_VECTOR << 4));
    /* 100 ms: the CONFIG read right after the COUNT write must find the timer still armed even when the host
     * deschedules this vCPU's thread for a while (a loaded CI machine did for more than 2 ms). */
    u64 expiry = ref_now() + 1000000;
    wrmsr_gp(MSR_STIMER_COUNT(0), expiry);
    u64 armed = rdmsr(MSR_STIMER_CONFIG(0)); /* at once, before printing */
    printf("oneshot armed config=%lx\n", armed);
    wait_until(&oneshot_count, 1);
    printf("oneshot fired=%u at=%lu expiry=%lu config-after=%lx\n", oneshot_count, oneshot_time, expiry,
           rdmsr(MSR_STIMER_CONFIG(0)));
    spin_ref(10000);
    printf("oneshot count-after=%u\n", oneshot_count);

    /* Direct mode, periodic (COUNT is the period), stopped by clearing CONFIG. */
    wrmsr_gp(MSR_STIMER_COUNT(1), 5000); /* 0.5 ms */
    wrmsr_gp(MSR_STIMER_CONFIG(1), STIMER_ENABLE | STIMER_PERIODIC | STIMER_DIRECT | ((u64)PERIODIC_VECTOR << 4));
    wait_until(&periodic_count, 4);
    wrmsr_gp(MSR_STIMER_CONFIG(1), 0);
    u32 stopped = periodic_count;
    u64 first = periodic_first, last = periodic_last;
    spin_ref(20000);
    printf("periodic ticks=%u first=%lu last=%lu extra=%u\n", stopped, first, last, periodic_count - stopped);

    /* Message mode: HVMSG_TIMER_EXPIRED in SINT3's slot. */
    wrmsr_gp(MSR_SIMP, (u64)simp | 1);
    wrmsr_gp(MSR_SINT0 + TIMER_SINT, SINT_VECTOR);
    wrmsr_gp(MSR_SCONTROL, 1);
    u8 *slot = simp + TIMER_SINT * 256;
    volatile u32 *type = (volatile u32 *)slot;
    u64 mexp = ref_now() + 20000;
    wrmsr_gp(MSR_STIMER_COUNT(2), mexp);
    wrmsr_gp(MSR_STIMER_CONFIG(2), STIMER_ENABLE | ((u64)TIMER_SINT << 16));
    wait_slot(type);
    printf("message type=%x size=%u timer=%u expiration=%lu delivery=%lu expected=%lu\n", *type, slot[4],
           *(u32 *)(slot + 16), *(u64 *)(slot + 24), *(u64 *)(slot + 32), mexp);
    __atomic_exchange_n((u32 *)type, 0, __ATOMIC_SEQ_CST);

    /* The pending/EOM protocol: a periodic message timer while the guest holds the slot. */
    wrmsr_gp(MSR_STIMER_COUNT(3), 5000);
    wrmsr_gp(MSR_STIMER_CONFIG(3), STIMER_ENABLE | STIMER_PERIODIC | ((u64)TIMER_SINT << 16));
    wait_slot(type);
    /* Further expirations find the slot busy: wait (at most 1 s) for the host to set the pending flag. */
    u64 give_up = ref_now() + 10000000;
    while (!(*(volatile u8 *)(slot + 5) & 1) && ref_now() < give_up)
        cpu_relax();
    u32 pending = slot[5] & 1;
    u64 held = *(u64 *)(slot + 24);
    __atomic_exchange_n((u32 *)type, 0, __ATOMIC_SEQ_CST);
    if (pending)
        wrmsr_gp(MSR_EOM, 0);
    wait_slot(type);
    u64 next = *(u64 *)(slot + 24);
    wrmsr_gp(MSR_STIMER_CONFIG(3), 0);
    printf("held pending=%u timer=%u next-later=%u\n", pending, *(u32 *)(slot + 16), next > held);
    __atomic_exchange_n((u32 *)type, 0, __ATOMIC_SEQ_CST);
    printf("interrupts sint=%u gp=%u\n", sint_count, gp_count);
}

static u64 text_len(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

static void crash(u64 how)
{
    int gp;
    u64 ctl = rdmsr_gp(MSR_CRASH_CTL, &gp);
    printf("crash-ctl gp=%u value=%lx\n", gp, ctl);
    if (gp)
        return;
    printf("crash-ctl-reserved gp=%u\n", wrmsr_gp(MSR_CRASH_CTL, 1));
    const char *msg = "Kernel panic - not syncing: hvenl crash test\nCPU: 0 PID: 1 Comm: hvenl\n";
    memcpy(panic_text, msg, text_len(msg) + 1);
    panic_text[text_len(msg)] = 0x1b; /* an escape byte: the host must not pass it to consoles */
    wrmsr_gp(MSR_CRASH_P(0), 0x1111);
    wrmsr_gp(MSR_CRASH_P(1), 0x2222);
    wrmsr_gp(MSR_CRASH_P(2), 0x3333);
    printf("crash-p0=%lx\n", rdmsr(MSR_CRASH_P(0)));
    if (how == 3) {
        wrmsr_gp(MSR_CRASH_P(3), 0x4444);
        wrmsr_gp(MSR_CRASH_P(4), 0x5555);
        printf("crashing\n");
        wrmsr_gp(MSR_CRASH_CTL, 1UL << 63);
    } else {
        wrmsr_gp(MSR_CRASH_P(3), (u64)panic_text);
        wrmsr_gp(MSR_CRASH_P(4), how == 2 ? 0x100000 : text_len(msg) + 1);
        printf("crashing\n");
        wrmsr_gp(MSR_CRASH_CTL, 3UL << 62);
    }
    printf("still running after the crash notification\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}

int main(struct hvm_start_info *si)
{
    const char *cmd = cmdline_of(si);
    u64 part = cmdline_number(cmd, "part=", 10, 1);
    printf("CELADON-HVENL part=%lu\n", part);
    set_gate(13, gp_entry);
    set_gate(ONESHOT_VECTOR, oneshot_entry);
    set_gate(PERIODIC_VECTOR, periodic_entry);
    set_gate(SINT_VECTOR, sint_entry);
    set_gate(0xFF, spurious_entry);
    load_idt();
    mmio_write32(LAPIC + 0x80, 0);     /* TPR: accept everything */
    mmio_write32(LAPIC + 0xF0, 0x1FF); /* APIC enabled, spurious vector 0xFF */
    __asm__ volatile("sti");

    u32 a, b, c, d;
    cpuid(0x40000003, &a, &b, &c, &d);
    printf("features=%x privileges=%x misc=%x\n", a, b, d);
    cpuid(0x40000004, &a, &b, &c, &d);
    printf("recommendations=%x\n", a);
    wrmsr_gp(MSR_GUEST_OS_ID, 0x8100000601B00000UL);

    if (part == 1)
        timing();
    else if (part == 2)
        stimers();
    else if (part == 3)
        crash(cmdline_number(cmd, "crash=", 10, 1));
    printf("hvenl done\n");
    poweroff();
}
