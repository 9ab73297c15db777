/*
 * The benchmark micro-guest: N port writes, each a VM exit handled in user space, then a write to 0xF4
 * (QEMU's isa-debug-exit ends QEMU there). Command line: count=<decimal> port=<0xhex>.
 */
#include "lib.h"

static const char *find(const char *s, const char *key)
{
    u64 n = 0;
    while (key[n])
        n++;
    for (; s && *s; s++)
        if ((s == 0 || 1) && !strncmp(s, key, n))
            return s + n;
    return 0;
}

static u64 number(const char *s, int base)
{
    u64 v = 0;
    for (; s && *s; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0 || d >= base)
            break;
        v = v * base + d;
    }
    return v;
}

void main(const struct hvm_start_info *si)
{
    const char *cmdline = si->magic == HVM_START_MAGIC && si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
    const char *c = find(cmdline, "count=");
    const char *p = find(cmdline, "port=0x");
    u64 count = c ? number(c, 10) : 1000000;
    u16 port = p ? (u16)number(p, 16) : 0x510;
    printf("CELADON-BENCH count=%lu port=0x%x\n", count, port);
    for (u64 i = 0; i < count; i++)
        __asm__ volatile("outb %%al, %%dx" ::"a"((u8)i), "d"(port)); /* 8-bit OUT: one exit each */
    outb(0xF4, 0);
    printf("CELADON-BENCH done\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
