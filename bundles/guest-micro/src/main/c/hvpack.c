/*
 * The hvpack micro-guest: a guest pack's profile from the guest's side. It prints the Hyper-V CPUID leaves it
 * reads, identifies itself with the guest OS id on its command line ("osid=" in hex; Linux 6.1's by default),
 * enables the hypercall page and makes HvNotifyLongSpinWait (0x0008) calls, then, where leaf 0x40000003.EAX bit 4
 * (AccessIntrCtrlRegs) says the APIC access MSRs exist, uses them: TPR through 0x40000072 read back through the
 * memory-mapped LAPIC and the other way round, a self-IPI sent through the ICR MSR 0x40000071 whose handler EOIs
 * through 0x40000070 (the LAPIC's ISR read before and after), and the reserved bits (#GP). Where bit 4 is clear,
 * the first access must take #GP. Every line is "key=value" for the host test. "halt=1": halt instead of powering
 * off at the end, so the partition can be inspected.
 */
#include "hv.h"
#include "idt.h"

#define LAPIC 0xFEE00000UL
#define LAPIC_TPR 0x80
#define LAPIC_SVR 0xF0
#define LAPIC_ISR 0x100

#define HV_MSR_EOI 0x40000070
#define HV_MSR_ICR 0x40000071
#define HV_MSR_TPR 0x40000072
#define HVCALL_NOTIFY_LONG_SPIN_WAIT 0x0008

#define IPI_VECTOR 0x40
#define ICR_SELF (1U << 18) /* destination shorthand 01: self */


static u8 hypercall_page[4096] __attribute__((aligned(4096)));
static void *const volatile hypercall_ptr = hypercall_page;
volatile u32 ipi_count, isr_in_handler, isr_after_eoi, eoi_gp;

/* The self-IPI's handler, in C behind an assembly stub that saves the caller-saved registers. */
void ipi_handler(void);

/* The interrupt entries (the #GP one is lib.c's gp_entry, idt.h). */
__asm__(".text\n"
        "ipi_entry:\n"
        "  push %rax; push %rcx; push %rdx; push %rsi; push %rdi; push %r8; push %r9; push %r10; push %r11\n"
        "  call ipi_handler\n"
        "  pop %r11; pop %r10; pop %r9; pop %r8; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
        "  iretq\n"
        "spurious_entry:\n"
        "  iretq\n");
extern void ipi_entry(void), spurious_entry(void);

static u32 isr_bit(u32 vector)
{
    return (mmio_read32(LAPIC + LAPIC_ISR + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

void ipi_handler(void)
{
    ipi_count++;
    isr_in_handler = isr_bit(IPI_VECTOR);
    eoi_gp = wrmsr_gp(HV_MSR_EOI, 0);
    isr_after_eoi = isr_bit(IPI_VECTOR);
}

static void apic_msrs(void)
{
    int gp;
    /* TPR: MSR write, LAPIC read; LAPIC write, MSR read. */
    gp = wrmsr_gp(HV_MSR_TPR, 0x50);
    printf("tpr-msr-write gp=%u mmio=%x\n", gp, mmio_read32(LAPIC + LAPIC_TPR));
    mmio_write32(LAPIC + LAPIC_TPR, 0x20);
    u64 v = rdmsr_gp(HV_MSR_TPR, &gp);
    printf("tpr-mmio-write msr=%lx gp=%u\n", v, gp);
    printf("tpr-reserved gp=%u\n", wrmsr_gp(HV_MSR_TPR, 0x100));
    wrmsr_gp(HV_MSR_TPR, 0);
    printf("eoi-read gp=%u\n", (rdmsr_gp(HV_MSR_EOI, &gp), gp));
    printf("eoi-reserved gp=%u\n", wrmsr_gp(HV_MSR_EOI, 1UL << 32));
    printf("icr-reserved gp=%u\n", wrmsr_gp(HV_MSR_ICR, 1UL << 20 | IPI_VECTOR));
    /* A self-IPI through the ICR MSR, taken with interrupts on; its handler EOIs through the EOI MSR. */
    gp = wrmsr_gp(HV_MSR_ICR, ICR_SELF | IPI_VECTOR);
    for (int i = 0; i < 1000000 && !ipi_count; i++)
        cpu_relax();
    u64 icr = rdmsr_gp(HV_MSR_ICR, &gp);
    printf("ipi gp=%u count=%u isr-in-handler=%u isr-after-eoi=%u eoi-gp=%u icr=%lx\n", gp, ipi_count,
           isr_in_handler, isr_after_eoi, eoi_gp, icr);
}

int main(struct hvm_start_info *si)
{
    const char *cmd = cmdline_of(si);
    u64 osid = cmdline_number(cmd, "osid=", 16, HV_LINUX_GUEST_OS_ID);
    printf("CELADON-HVPACK\n");
    set_gate(13, gp_entry);
    set_gate(IPI_VECTOR, ipi_entry);
    set_gate(0xFF, spurious_entry);
    load_idt();
    mmio_write32(LAPIC + LAPIC_TPR, 0);
    mmio_write32(LAPIC + LAPIC_SVR, 0x1FF); /* APIC enabled, spurious vector 0xFF */
    __asm__ volatile("sti");

    if (!hv_present()) {
        printf("no-hyperv=1\n");
        poweroff();
    }
    u32 a, b, c, d;
    hv_cpuid(0x40000001, &a, &b, &c, &d);
    printf("interface=%x\n", a);
    hv_cpuid(0x40000003, &a, &b, &c, &d);
    printf("cpuid 40000003=%x %x %x %x\n", a, b, c, d);
    u32 features = a;
    hv_cpuid(0x40000004, &a, &b, &c, &d);
    printf("cpuid 40000004=%x %x %x %x\n", a, b, c, d);

    printf("guest-os-id gp=%u\n", wrmsr_gp(HV_MSR_GUEST_OS_ID, osid));
    printf("hypercall-enable gp=%u\n", wrmsr_gp(HV_MSR_HYPERCALL, (u64)hypercall_page | 1));
    u64 s = hv_call(&hypercall_ptr, HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HYPERCALL_FAST, 0xFFF, 0) & 0xFFFF;
    printf("status spinwait-fast=%lx\n", s);
    s = hv_call(&hypercall_ptr, HVCALL_NOTIFY_LONG_SPIN_WAIT | 1UL << 32, 0xFFF, 0) & 0xFFFF; /* a rep count */
    printf("status spinwait-rep=%lx\n", s);

    if (features & (1U << 4)) {
        apic_msrs();
    } else {
        int gp;
        rdmsr_gp(HV_MSR_TPR, &gp);
        printf("apic-msrs-absent tpr-read gp=%u eoi-write gp=%u\n", gp, wrmsr_gp(HV_MSR_EOI, 0));
    }
    printf("hvpack done\n");
    if (cmdline_number(cmd, "halt=", 10, 0)) {
        for (;;) /* stays alive so the host can inspect the partition (hv:partition) */
            __asm__ volatile("cli; hlt");
    }
    poweroff();
}
