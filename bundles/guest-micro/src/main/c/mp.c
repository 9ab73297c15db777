/*
 * Finding processors in the MADT and starting them, shared by the demo and smp guests. The APs arrive in
 * ap.S's trampoline, enter long mode with the BSP's page tables and call the guest's ap_main().
 */
#include "mp.h"

#define TRAMPOLINE 0x8000UL

extern char trampoline_image[], trampoline_image_end[];

static volatile int vcpus_up = 1;

static int checksum_ok(const u8 *p, u32 len)
{
    u8 s = 0;
    for (u32 i = 0; i < len; i++)
        s += p[i];
    return s == 0;
}

int madt_cpus(u64 rsdp, u8 *ids, int max)
{
    const u8 *r = (const u8 *)rsdp;
    if (!rsdp || memcmp(r, "RSD PTR ", 8) || !checksum_ok(r, 20) || r[15] < 2 || !checksum_ok(r, *(const u32 *)(r + 20)))
        return 0;
    const u8 *x = (const u8 *)*(const u64 *)(r + 24);
    u32 xlen = *(const u32 *)(x + 4);
    if (memcmp(x, "XSDT", 4) || !checksum_ok(x, xlen))
        return 0;
    for (u32 i = 0; 36 + 8 * i + 8 <= xlen; i++) {
        const u8 *t = (const u8 *)*(const u64 *)(x + 36 + 8 * i);
        u32 len = *(const u32 *)(t + 4);
        if (memcmp(t, "APIC", 4) || !checksum_ok(t, len))
            continue;
        int n = 0;
        for (u32 off = 44; off + 2 <= len && t[off + 1] >= 2; off += t[off + 1]) {
            if (t[off] == 0 && (*(const u32 *)(t + off + 4) & 1) && n < max)
                ids[n++] = t[off + 3];
        }
        return n;
    }
    return 0;
}

u32 lapic_id(void)
{
    return mmio_read32(LAPIC + 0x20) >> 24;
}

void send_ipi(u32 apic, u32 low)
{
    mmio_write32(LAPIC + 0x310, apic << 24);
    mmio_write32(LAPIC + 0x300, low);
}

void spin_cycles(u64 cycles)
{
    u64 t = rdtsc();
    while (rdtsc() - t < cycles)
        cpu_relax();
}

int mp_ap_up(void)
{
    return __atomic_fetch_add(&vcpus_up, 1, __ATOMIC_SEQ_CST);
}

int mp_cpus_up(void)
{
    return __atomic_load_n(&vcpus_up, __ATOMIC_SEQ_CST);
}

/*
 * INIT-SIPI-SIPI to all processors but this one at once (the "all excluding self" shorthand, as PC firmware
 * does). Addressing each AP by its APIC ID is what Linux does, but under kvm_pvm an INIT or SIPI sent that
 * way to the second vCPU of a two-vCPU VM never arrived, while the broadcast does. The APs then start
 * together; each takes its own stack by an atomic counter (see ap.S).
 */
int start_aps(int ncpus)
{
    memcpy((void *)TRAMPOLINE, trampoline_image, trampoline_image_end - trampoline_image);
    send_ipi(0, 0xC4500);                               /* INIT, assert, all excluding self */
    spin_cycles(10000000);
    send_ipi(0, 0xC4600 | (TRAMPOLINE >> 12));          /* STARTUP */
    spin_cycles(1000000);
    if (mp_cpus_up() < ncpus)
        send_ipi(0, 0xC4600 | (TRAMPOLINE >> 12));      /* the second SIPI of the MP protocol */
    u64 t = rdtsc();
    while (mp_cpus_up() < ncpus && rdtsc() - t < 20000000000UL)
        cpu_relax();
    return mp_cpus_up();
}
