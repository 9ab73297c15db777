/*
 * The hvbench micro-guest: the cost of a hypercall round trip against a null port-I/O exit, in one run.
 * It identifies itself (GUEST_OS_ID, Linux's layout), enables the hypercall page, then times with RDTSC,
 * count=N times each (after N/10 untimed warm-up iterations of each, for the translator tier):
 *   unknown  a call with a code nobody registered (0x0099): HV_STATUS_INVALID_HYPERCALL_CODE (2), answered by
 *            the core's router;
 *   signal   HvSignalEvent, fast form, to connection 0x7ff that nobody registered: it passes the dispatcher's
 *            checks (page enabled, CPL 0 and 64-bit mode, control word, the connection and flag fields) and
 *            gets HV_STATUS_INVALID_CONNECTION_ID (0x12);
 *   port     an 8-bit OUT to port=0x<hex> (default 0x511, which nobody claims in MicroGuestRun), one exit each.
 * Every call's status is checked: *_ok counts the calls that returned the expected status (it must equal N).
 * Prints one line, then powers off:
 *   CELADON-HVBENCH count=N unknown_status=0x2 unknown_ok=N unknown_ticks=T signal_status=0x12 signal_ok=N
 *   signal_ticks=T port=0x511 port_count=N port_ticks=T
 * The ticks are TSC ticks over the N timed iterations (the emulator's TSC is 1 GHz, host nanoseconds).
 */
#include "hv.h"

#define UNKNOWN_CODE 0x0099UL
#define SIGNAL_CONNECTION 0x7FFUL

static u8 hypercall_page[4096] __attribute__((aligned(4096)));
static void *const volatile hypercall_ptr = hypercall_page;

static u64 unknown_loop(u64 n, u64 *ok, u64 *last)
{
    u64 good = 0, s = 0;
    for (u64 i = 0; i < n; i++) {
        s = hv_call(&hypercall_ptr, UNKNOWN_CODE, 0, 0) & 0xFFFF;
        good += s == HV_STATUS_INVALID_HYPERCALL_CODE;
    }
    *ok = good;
    *last = s;
    return n;
}

static u64 signal_loop(u64 n, u64 *ok, u64 *last)
{
    u64 good = 0, s = 0;
    for (u64 i = 0; i < n; i++) {
        /* fast: RDX = u32 connection id, u16 flag number 0, u16 reserved */
        s = hv_call(&hypercall_ptr, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, SIGNAL_CONNECTION, 0) & 0xFFFF;
        good += s == HV_STATUS_INVALID_CONNECTION_ID;
    }
    *ok = good;
    *last = s;
    return n;
}

static u64 port_loop(u64 n, u16 port)
{
    u64 i;
    for (i = 0; i < n; i++)
        __asm__ volatile("outb %%al, %%dx" ::"a"((u8)i), "d"(port)); /* 8-bit OUT: one exit each */
    return i;
}

void main(const struct hvm_start_info *si)
{
    const char *cmdline = cmdline_of(si);
    u64 count = cmdline_number(cmdline, "count=", 10, 100000);
    u16 port = (u16)cmdline_number(cmdline, "port=0x", 16, 0x511);
    u64 warm = count / 10, ok_u, ok_s, st_u, st_s, t0, t1, t2, t3, np;
    printf("CELADON-HVBENCH count=%lu port=0x%x\n", count, port);
    if (!hv_present()) {
        printf("CELADON-HVBENCH no Hyper-V interface (CPUID 0x40000000 is not Microsoft Hv)\n");
        poweroff();
    }
    hv_wrmsr(HV_MSR_GUEST_OS_ID, HV_LINUX_GUEST_OS_ID);
    hv_wrmsr(HV_MSR_HYPERCALL, (u64)hypercall_page | 1);
    if (!(hv_rdmsr(HV_MSR_HYPERCALL) & 1)) {
        printf("CELADON-HVBENCH the hypercall page did not enable (msr=0x%lx)\n", hv_rdmsr(HV_MSR_HYPERCALL));
        poweroff();
    }
    unknown_loop(warm, &ok_u, &st_u);
    signal_loop(warm, &ok_s, &st_s);
    port_loop(warm, port);

    t0 = rdtsc();
    unknown_loop(count, &ok_u, &st_u);
    t1 = rdtsc();
    signal_loop(count, &ok_s, &st_s);
    t2 = rdtsc();
    np = port_loop(count, port);
    t3 = rdtsc();
    printf("CELADON-HVBENCH count=%lu unknown_status=0x%lx unknown_ok=%lu unknown_ticks=%lu signal_status=0x%lx "
           "signal_ok=%lu signal_ticks=%lu port=0x%x port_count=%lu port_ticks=%lu\n",
           count, st_u, ok_u, t1 - t0, st_s, ok_s, t2 - t1, port, np, t3 - t2);
    printf("CELADON-HVBENCH done\n");
    poweroff();
}
