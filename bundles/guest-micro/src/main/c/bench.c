/*
 * The benchmark micro-guest: N port writes, each a VM exit handled in user space, then a write to 0xF4
 * (QEMU's isa-debug-exit ends QEMU there). Command line: count=<decimal> port=0x<hex>.
 */
#include "lib.h"

void main(const struct hvm_start_info *si)
{
    const char *cmdline = cmdline_of(si);
    u64 count = cmdline_number(cmdline, "count=", 10, 1000000);
    u16 port = (u16)cmdline_number(cmdline, "port=0x", 16, 0x510);
    printf("CELADON-BENCH count=%lu port=0x%x\n", count, port);
    for (u64 i = 0; i < count; i++)
        __asm__ volatile("outb %%al, %%dx" ::"a"((u8)i), "d"(port)); /* 8-bit OUT: one exit each */
    outb(0xF4, 0);
    printf("CELADON-BENCH done\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
