/*
 * The smp micro-guest: a multiprocessor test. The BSP starts every AP the MADT lists (mp.c), then all
 * processors run three tests together, separated by barriers:
 *  (a) counters: each processor increments shared counters count=N times with LOCK ADD, LOCK XADD,
 *      LOCK CMPXCHG and a plain increment under an XCHG spinlock; the totals must be exact;
 *  (b) message passing: the BSP stores data, then a flag (plain stores); the APs spin on the flag, then
 *      read the data. x86 never reorders two stores or two loads, so a reader must never see the new flag
 *      with old data; rounds=N rounds, every AP acknowledging each;
 *  (c) store buffering: the BSP and the first AP each store to one variable, then load the other. Both
 *      loads seeing 0 is allowed on x86 (the store buffer); how often it happened is only information.
 * Then "CELADON-SMP done" and poweroff. Command line: count=N rounds=N sb=N.
 */
#include "mp.h"

#define LINE 64

static u8 apic_ids[256];
static int participants;
static volatile int go;

/* Each shared variable on its own cache line. */
static volatile u64 c_add __attribute__((aligned(LINE)));
static volatile u64 c_xadd __attribute__((aligned(LINE)));
static volatile u64 c_cmpxchg __attribute__((aligned(LINE)));
static volatile u64 c_locked __attribute__((aligned(LINE)));
static volatile u32 spinlock __attribute__((aligned(LINE)));
static volatile u64 mp_data[4] __attribute__((aligned(LINE)));
static volatile u64 mp_flag __attribute__((aligned(LINE)));
static volatile u32 mp_acks __attribute__((aligned(LINE)));
static volatile u64 stale_round, stale_count, stale_seen;
static volatile u32 sb_x __attribute__((aligned(LINE)));
static volatile u32 sb_y __attribute__((aligned(LINE)));
static volatile u32 sb_r1, sb_r2;
static volatile u32 bar_count __attribute__((aligned(LINE)));
static volatile u32 bar_gen __attribute__((aligned(LINE)));
static u64 count_n, rounds_n, sb_n;

/* A reusable barrier for all participants: the last to arrive opens the next generation. */
static void barrier(void)
{
    u32 gen = __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == (u32)participants) {
        bar_count = 0;
        __atomic_store_n(&bar_gen, gen + 1, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen)
            cpu_relax();
    }
}

static void counters(void)
{
    for (u64 i = 0; i < count_n; i++) {
        __asm__ volatile("lock addq $1, %0" : "+m"(c_add));
        u64 one = 1;
        __asm__ volatile("lock xaddq %0, %1" : "+r"(one), "+m"(c_xadd));
        u64 old = c_cmpxchg, ok;
        do { /* on failure CMPXCHG loads the current value into RAX: retry with it */
            u64 next = old + 1;
            __asm__ volatile("lock cmpxchgq %3, %1; sete %b2" : "+a"(old), "+m"(c_cmpxchg), "=q"(ok) : "r"(next));
        } while (!(ok & 1));
        u32 v;
        do {
            v = 1;
            __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(spinlock) : : "memory");
        } while (v);
        c_locked = c_locked + 1; /* plain load and store: only the lock keeps them exact */
        __asm__ volatile("movl $0, %0" : "=m"(spinlock) : : "memory"); /* a plain store releases on x86 */
    }
}

/* Plain stores and loads only (volatile: in program order, one MOV each); the acks are LOCKed. */
static void message_passing(int index)
{
    for (u64 r = 1; r <= rounds_n; r++) {
        if (index == 0) {
            for (int k = 0; k < 4; k++)
                mp_data[k] = r * 4 + k;
            mp_flag = r;
            while (__atomic_load_n(&mp_acks, __ATOMIC_ACQUIRE) != (u32)(participants - 1))
                cpu_relax();
            mp_acks = 0;
        } else {
            while (mp_flag != r)
                cpu_relax();
            for (int k = 0; k < 4; k++) {
                u64 d = mp_data[k];
                if (d != r * 4 + k) {
                    __atomic_add_fetch(&stale_count, 1, __ATOMIC_SEQ_CST);
                    if (!__atomic_exchange_n(&stale_seen, 1, __ATOMIC_SEQ_CST))
                        stale_round = r;
                }
            }
            /* the BSP resets the acks only after all arrived, and no AP acks round r+1 before flag r+1 */
            __atomic_add_fetch(&mp_acks, 1, __ATOMIC_ACQ_REL);
        }
    }
}

/* Store buffering between the BSP (index 0) and the first AP (index 1); the others only keep the barriers. */
static u64 store_buffering(int index)
{
    u64 both_zero = 0;
    for (u64 r = 0; r < sb_n; r++) {
        if (index == 0) {
            sb_x = 0;
            sb_y = 0;
        }
        barrier();
        if (index == 0) {
            sb_x = 1;
            sb_r1 = sb_y;
        } else if (index == 1) {
            sb_y = 1;
            sb_r2 = sb_x;
        }
        barrier();
        if (index == 0 && sb_r1 == 0 && sb_r2 == 0)
            both_zero++;
    }
    return both_zero;
}

static void run(int index)
{
    barrier();
    counters();
    barrier();
    if (participants > 1)
        message_passing(index);
    barrier();
    u64 sb = participants > 1 ? store_buffering(index) : 0;
    barrier();
    if (index != 0)
        return;
    u64 expected = count_n * participants;
    u64 got[4] = {c_add, c_xadd, c_cmpxchg, c_locked};
    const char *what[4] = {"lock add", "lock xadd", "lock cmpxchg", "xchg lock"};
    int ok = 1;
    for (int k = 0; k < 4; k++) {
        if (got[k] != expected) {
            printf("CELADON-SMP counters MISMATCH expected=%lu got=%lu (%s)\n", expected, got[k], what[k]);
            ok = 0;
        }
    }
    if (ok)
        printf("CELADON-SMP counters ok total=%lu\n", got[0] + got[1] + got[2] + got[3]);
    if (participants < 2)
        printf("CELADON-SMP litmus skipped: needs 2 vcpus\n");
    else if (stale_seen)
        printf("CELADON-SMP litmus STALE round=%lu stale_reads=%lu\n", stale_round, stale_count);
    else
        printf("CELADON-SMP litmus ok rounds=%lu\n", rounds_n);
    if (participants > 1)
        printf("CELADON-SMP sb r1=r2=0 in %lu of %lu rounds (allowed on x86)\n", sb, sb_n);
    printf("CELADON-SMP done\n");
    poweroff();
}

void ap_main(void)
{
    int index = mp_ap_up();
    while (!go)
        cpu_relax();
    if (index < participants)
        run(index);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void main(const struct hvm_start_info *si)
{
    const char *cmdline = cmdline_of(si);
    count_n = cmdline_number(cmdline, "count=", 10, 100000);
    rounds_n = cmdline_number(cmdline, "rounds=", 10, 20000);
    sb_n = cmdline_number(cmdline, "sb=", 10, 20000);
    int cpus = madt_cpus(si->magic == HVM_START_MAGIC ? si->rsdp_paddr : 0, apic_ids, MP_MAX_CPUS);
    if (!cpus) {
        printf("CELADON-SMP no ACPI MADT: running on the BSP alone\n");
        cpus = 1;
    }
    int up = cpus > 1 ? start_aps(cpus) : 1;
    printf("CELADON-SMP cpus=%d up=%d count=%lu rounds=%lu sb=%lu\n", cpus, up, count_n, rounds_n, sb_n);
    participants = up;
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    run(0);
}
