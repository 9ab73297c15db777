/*
 * The demo micro-guest: counts its processors in the ACPI MADT, starts them with INIT-SIPI-SIPI, proves a
 * page near the top of RAM, then echoes console lines using the UART's receive interrupt (IOAPIC pin 4),
 * idling in HLT: every port access is a VM exit, so it never polls.
 */
#include "mp.h"
#include "idt.h"

#define IOAPIC 0xFEC00000UL
#define UART_VECTOR 0x24

extern void irq_uart(void), irq_spurious(void);


static u8 apic_ids[256];
static volatile u8 rx_ring[256];
static volatile u32 rx_head, rx_tail;

void ap_main(void)
{
    print_lock();
    printf("vcpu %u up\n", lapic_id());
    print_unlock();
    mp_ap_up();
    for (;;)
        __asm__ volatile("cli; hlt");
}

void uart_interrupt(void)
{
    while (inb(COM1 + 5) & 1)
        rx_ring[rx_head++ & 255] = inb(COM1);
}

static void ioapic_write(u32 reg, u32 v)
{
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + 0x10, v);
}

static void echo(u32 bsp)
{
    outb(0x21, 0xFF); /* mask the legacy PICs: interrupts come through the IOAPIC */
    outb(0xA1, 0xFF);
    mmio_write32(LAPIC + 0x350, 0x10000); /* LINT0 masked */
    mmio_write32(LAPIC + 0x80, 0);        /* TPR: accept everything */
    mmio_write32(LAPIC + 0xF0, 0x1FF);    /* enable, spurious vector 0xFF */
    set_gate(UART_VECTOR, irq_uart);
    set_gate(0xFF, irq_spurious);
    load_idt();
    ioapic_write(0x10 + 2 * 4 + 1, bsp << 24); /* pin 4 -> this CPU */
    ioapic_write(0x10 + 2 * 4, UART_VECTOR);   /* fixed, physical, edge, active high, unmasked */
    outb(COM1 + 4, 0x0B);                      /* DTR, RTS, OUT2 */
    outb(COM1 + 1, 0x01);                      /* interrupt on received data */
    printf("echo ready\n");
    char line[201];
    int len = 0;
    for (;;) {
        __asm__ volatile("cli");
        if (rx_tail == rx_head) {
            __asm__ volatile("sti; hlt"); /* sti's shadow makes the pair atomic: no lost wake-up */
            continue;
        }
        __asm__ volatile("sti");
        char c = rx_ring[rx_tail++ & 255];
        if (c == '\r' || c == '\n') {
            if (len) {
                line[len] = 0;
                printf("echo: %s\n", line);
                if (len == 8 && !memcmp(line, "poweroff", 8)) {
                    printf("powering off\n");
                    outb(0x600, 0x34); /* FADT sleep control: SLP_EN | SLP_TYP 5 (S5) */
                }
                len = 0;
            }
        } else if (len < 200) {
            line[len++] = c;
        }
    }
}

void main(const struct hvm_start_info *si)
{
    u64 top = 0, ram = 0;
    if (si->magic == HVM_START_MAGIC)
        ram = ram_total(si, &top);
    int cpus = madt_cpus(si->magic == HVM_START_MAGIC ? si->rsdp_paddr : 0, apic_ids, 256);
    if (!cpus) {
        printf("no ACPI tables\n");
        cpus = 1;
    }
    /* Rounded: the loader reserves the ACPI tables' 128 KiB out of the RAM map. */
    printf("CELADON-DEMO cpus=%d mem_mib=%lu\n", cpus, (ram + (1UL << 19)) >> 20);
    u32 bsp = lapic_id();
    print_lock();
    printf("vcpu %u up\n", bsp);
    print_unlock();
    if (cpus > 1) {
        int up = start_aps(cpus);
        if (up == cpus)
            printf("all %d vcpus up\n", cpus);
        else
            printf("only %d of %d vcpus up\n", up, cpus);
    }
    if (top >= 4096 && top <= (64UL << 30)) {
        volatile u64 *page = (volatile u64 *)(top - 4096);
        for (int i = 0; i < 512; i++)
            page[i] = (top - 4096) ^ (i * 0x9E3779B97F4A7C15UL);
        int ok = 1;
        for (int i = 0; i < 512; i++)
            ok &= page[i] == ((top - 4096) ^ (i * 0x9E3779B97F4A7C15UL));
        printf("page 0x%lx %s\n", top - 4096, ok ? "ok" : "MISMATCH");
    } else {
        printf("page test skipped: top of RAM 0x%lx is not mapped\n", top);
    }
    echo(bsp);
}
