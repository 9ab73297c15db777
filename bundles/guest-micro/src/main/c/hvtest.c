/*
 * The hvtest micro-guest: the Hyper-V interface from the guest's side. It reads the hypervisor CPUID leaves,
 * identifies itself (GUEST_OS_ID), enables the hypercall page and calls through it with bad and good inputs,
 * printing each TLFS status; then enables SynIC and SINT2 and waits (sti; hlt) for the messages and the event
 * the host posts, printing what it finds in its pages. Every line is "key=value" for the host test to check.
 */
#include "hv.h"
#include "idt.h"

#define LAPIC 0xFEE00000UL
#define SINT_VECTOR 0x50
#define SINT 2

#define MSR_SCONTROL 0x40000080
#define MSR_SVERSION 0x40000081
#define MSR_SIEFP 0x40000082
#define MSR_SIMP 0x40000083
#define MSR_EOM 0x40000084
#define MSR_SINT0 0x40000090

/* The connections the host test registers. */
#define MSG_CONNECTION 0x1234
#define EVENT_CONNECTION 0x77


static u8 hypercall_page[4096] __attribute__((aligned(4096)));
static u8 simp[4096] __attribute__((aligned(4096)));
static u8 siefp[4096] __attribute__((aligned(4096)));
static u8 input[4096] __attribute__((aligned(4096)));
static void *const volatile hypercall_ptr = hypercall_page;
volatile u32 sint_count;

/* The interrupt entries (the #GP one is lib.c's gp_entry, idt.h). */
__asm__(".text\n"
        "sint_entry:\n"
        "  lock incl sint_count(%rip)\n"
        "  push %rax\n"
        "  mov $0xFEE000B0, %eax\n"     /* local APIC EOI: the profile says no auto-EOI */
        "  movl $0, (%rax)\n"
        "  pop %rax\n"
        "  iretq\n"
        "spurious_entry:\n"
        "  iretq\n");
extern void sint_entry(void), spurious_entry(void);

/* A call through the hypercall page (hv.h). */
static u64 hvcall(u64 control, u64 in, u64 out)
{
    return hv_call(&hypercall_ptr, control, in, out);
}

static u64 post(u64 gpa, u32 connection, u32 type, u32 size, const char *text)
{
    u32 *h = (u32 *)gpa;
    /* Fill in only what lies inside our input page; the other cases test the host's checks. */
    if (gpa >= (u64)input && gpa + 16 + size <= (u64)input + sizeof(input)) {
        h[0] = connection;
        h[1] = 0;
        h[2] = type;
        h[3] = size;
        for (u32 i = 0; text && text[i] && i < size; i++)
            ((u8 *)gpa)[16 + i] = text[i];
    }
    return hvcall(0x5C, gpa, 0);
}

static void wait_until(volatile u32 *word, u32 mask)
{
    for (;;) {
        __asm__ volatile("cli");
        if (*word & mask)
            break;
        __asm__ volatile("sti; hlt"); /* sti's shadow: no lost wake-up between the check and hlt */
    }
    __asm__ volatile("sti");
}

static void print_message(int n)
{
    u8 *slot = simp + SINT * 256;
    u32 type = *(volatile u32 *)slot;
    u32 size = slot[4];
    u32 pending = slot[5] & 1;
    printf("message%d type=%x size=%u pending=%u sender=%lx payload=", n, type, size, pending, *(u64 *)(slot + 8));
    for (u32 i = 0; i < size && i < 240; i++)
        putc_serial(slot[16 + i] >= 32 && slot[16 + i] < 127 ? slot[16 + i] : '.');
    printf("\n");
    /* Free the slot the TLFS way: clear the type first, then look at the pending flag and write EOM. */
    __atomic_exchange_n((u32 *)slot, 0, __ATOMIC_SEQ_CST);
    if (pending) {
        wrmsr_gp(MSR_EOM, 0);
        printf("eom written\n");
    }
}

int main(struct hvm_start_info *si)
{
    (void)si;
    printf("CELADON-HVTEST\n");
    set_gate(13, gp_entry);
    set_gate(SINT_VECTOR, sint_entry);
    set_gate(0xFF, spurious_entry);
    load_idt();
    mmio_write32(LAPIC + 0x80, 0);     /* TPR: accept everything */
    mmio_write32(LAPIC + 0xF0, 0x1FF); /* APIC enabled, spurious vector 0xFF */

    u32 a, b, c, d;
    hv_cpuid(1, &a, &b, &c, &d);
    printf("hypervisor-bit=%u\n", c >> 31);
    hv_cpuid(0x40000000, &a, &b, &c, &d);
    u32 max = a;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &c, 4);
    memcpy(vendor + 8, &d, 4);
    vendor[12] = 0;
    printf("vendor=%s\n", vendor);
    for (u32 leaf = 0x40000000; leaf <= max && leaf <= 0x4000000F; leaf++) {
        hv_cpuid(leaf, &a, &b, &c, &d);
        printf("cpuid %x=%x %x %x %x\n", leaf, a, b, c, d);
    }

    printf("hypercall-before-osid gp=%u\n", wrmsr_gp(HV_MSR_HYPERCALL, (u64)hypercall_page | 1));
    wrmsr_gp(HV_MSR_GUEST_OS_ID, 0x8100000601B00000UL); /* Linux's layout: open source, type 1, 6.1.176 */
    printf("guest-os-id=%lx\n", hv_rdmsr(HV_MSR_GUEST_OS_ID));
    printf("hypercall-reserved gp=%u\n", wrmsr_gp(HV_MSR_HYPERCALL, (u64)hypercall_page | 1 | 4));
    printf("hypercall-enable gp=%u\n", wrmsr_gp(HV_MSR_HYPERCALL, (u64)hypercall_page | 1));
    printf("hypercall-msr=%lx page=%lx\n", hv_rdmsr(HV_MSR_HYPERCALL), (u64)hypercall_page);
    printf("page-bytes=");
    for (int i = 0; i < 8; i++)
        printf("%x ", hypercall_page[i]);
    printf("last=%x\n", hypercall_page[4095]);
    printf("vp-index=%lx\n", hv_rdmsr(HV_MSR_VP_INDEX));
    printf("vp-index-write gp=%u\n", wrmsr_gp(HV_MSR_VP_INDEX, 5));
    /* What Linux 6.1 writes on every CPU (the VP assist page) and when the TSC is invariant. */
    printf("vp-assist gp=%u\n", wrmsr_gp(0x40000073, (u64)input | 1));
    printf("vp-assist-reserved gp=%u\n", wrmsr_gp(0x40000073, (u64)input | 3));
    printf("tsc-invariant gp=%u\n", wrmsr_gp(0x40000118, 1));
    printf("tsc-invariant-control=%lx\n", hv_rdmsr(0x40000118));

    u64 in = (u64)input;
    printf("status unknown-code=%lx\n", hvcall(0x7777, in, 0));
    printf("status misaligned=%lx\n", post(in + 4, MSG_CONNECTION, 1, 4, "abcd"));
    printf("status page-cross=%lx\n", post(in + 4096 - 8, MSG_CONNECTION, 1, 4, "abcd"));
    printf("status outside-ram=%lx\n", post(0x100000000UL, MSG_CONNECTION, 1, 4, 0));
    printf("status reserved-bits=%lx\n", hvcall(0x5C | (1UL << 27), in, 0));
    printf("status rep-count=%lx\n", hvcall(0x5C | (1UL << 32), in, 0));
    printf("status fast-post=%lx\n", hvcall(0x5C | (1UL << 16), in, 0));
    printf("status post-241=%lx\n", post(in, MSG_CONNECTION, 1, 241, "x"));
    printf("status post-type0=%lx\n", post(in, MSG_CONNECTION, 0, 4, "abcd"));
    printf("status post-bad-connection=%lx\n", post(in, 0x4321, 1, 4, "abcd"));
    printf("status post-ok=%lx\n", post(in, MSG_CONNECTION, 1, 18, "hello from hvtest!"));
    printf("status signal-ok=%lx\n", hvcall(0x5D | (1UL << 16), EVENT_CONNECTION | (3UL << 32), 0));
    printf("status signal-bad-flag=%lx\n", hvcall(0x5D | (1UL << 16), EVENT_CONNECTION | (2048UL << 32), 0));
    printf("status signal-bad-connection=%lx\n", hvcall(0x5D | (1UL << 16), 0x99, 0));

    printf("sversion=%lx\n", hv_rdmsr(MSR_SVERSION));
    printf("sint-reserved gp=%u\n", wrmsr_gp(MSR_SINT0 + SINT, SINT_VECTOR | (1UL << 20)));
    printf("sint-low-vector gp=%u\n", wrmsr_gp(MSR_SINT0 + SINT, 5));
    printf("simp-reserved gp=%u\n", wrmsr_gp(MSR_SIMP, (u64)simp | 1 | 2));
    printf("simp-outside-ram gp=%u\n", wrmsr_gp(MSR_SIMP, 0x100000000UL | 1));
    wrmsr_gp(MSR_SIMP, (u64)simp | 1);
    wrmsr_gp(MSR_SIEFP, (u64)siefp | 1);
    wrmsr_gp(MSR_SINT0 + SINT, SINT_VECTOR); /* unmasked, no auto-EOI */
    wrmsr_gp(MSR_SCONTROL, 1);
    printf("sint2=%lx simp=%lx siefp=%lx\n", hv_rdmsr(MSR_SINT0 + SINT), hv_rdmsr(MSR_SIMP), hv_rdmsr(MSR_SIEFP));
    printf("synic ready\n");

    /* The host posts two messages, then sets event flag 5: holding the first slot until the flag is seen makes
     * sure the second message found the slot busy (queued, pending flag set) whatever the timing. */
    volatile u32 *flags = (volatile u32 *)(siefp + SINT * 256);
    wait_until((volatile u32 *)(simp + SINT * 256), 0xFFFFFFFF);
    wait_until(flags, 1 << 5);
    print_message(1);
    wait_until((volatile u32 *)(simp + SINT * 256), 0xFFFFFFFF);
    print_message(2);
    printf("event flags=%x\n", __atomic_exchange_n(flags, 0, __ATOMIC_SEQ_CST));
    /* Clearing the guest OS ID disables the hypercall page; a call through the old bytes is then refused. */
    wrmsr_gp(HV_MSR_GUEST_OS_ID, 0);
    printf("osid-cleared hypercall-msr=%lx\n", hv_rdmsr(HV_MSR_HYPERCALL));
    printf("status disabled-page=%lx\n", post(in, MSG_CONNECTION, 1, 4, "abcd"));
    printf("interrupts=%u gp=%u\n", sint_count, gp_count);
    printf("hvtest done\n");
    poweroff();
}
