#include "lib.h"
#include <stdarg.h>

/* Transmit one byte once the UART says its holding register is empty (LSR bit 5). */
void putc_serial(char c)
{
    if (c == '\n')
        putc_serial('\r');
    while (!(inb(COM1 + 5) & 0x20))
        cpu_relax();
    outb(COM1, (u8)c);
}

void puts_serial(const char *s)
{
    while (*s)
        putc_serial(*s++);
}

static volatile int print_lock_word;

/* Whole lines from several processors must not interleave. */
void print_lock(void)
{
    while (__atomic_exchange_n(&print_lock_word, 1, __ATOMIC_ACQUIRE))
        cpu_relax();
}

void print_unlock(void)
{
    __atomic_store_n(&print_lock_word, 0, __ATOMIC_RELEASE);
}

static void put_num(u64 v, int base, int width)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width)
        buf[n++] = '0';
    while (n)
        putc_serial(buf[--n]);
}

/* %d %u %x (32-bit), %ld %lu %lx (64-bit), %s, %c */
void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc_serial(*fmt);
            continue;
        }
        int lng = 0;
        fmt++;
        if (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            if (v < 0) {
                putc_serial('-');
                v = -v;
            }
            put_num((u64)v, 10, 0);
            break;
        }
        case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 10, 0); break;
        case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, 0); break;
        case 's': puts_serial(va_arg(ap, const char *)); break;
        case 'c': putc_serial((char)va_arg(ap, int)); break;
        default: putc_serial('%'); putc_serial(*fmt); break;
        }
    }
    va_end(ap);
}

int memcmp(const void *a, const void *b, u64 n)
{
    const u8 *x = a, *y = b;
    for (u64 i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

void *memcpy(void *d, const void *s, u64 n)
{
    u8 *x = d;
    const u8 *y = s;
    while (n--)
        *x++ = *y++;
    return d;
}

void *memset(void *d, int c, u64 n)
{
    u8 *x = d;
    while (n--)
        *x++ = (u8)c;
    return d;
}

int strncmp(const char *a, const char *b, u64 n)
{
    for (u64 i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (u8)a[i] - (u8)b[i];
    }
    return 0;
}

u64 ram_total(const struct hvm_start_info *si, u64 *top_end)
{
    u64 total = 0;
    *top_end = 0;
    const struct hvm_memmap_entry *e = (const struct hvm_memmap_entry *)si->memmap_paddr;
    for (u32 i = 0; si->memmap_paddr && i < si->memmap_entries; i++) {
        if (e[i].type != 1)
            continue;
        total += e[i].size;
        if (e[i].addr + e[i].size > *top_end)
            *top_end = e[i].addr + e[i].size;
    }
    return total;
}

const char *cmdline_of(const struct hvm_start_info *si)
{
    return si && si->magic == HVM_START_MAGIC && si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
}

u64 cmdline_number(const char *cmdline, const char *key, int base, u64 dflt)
{
    u64 n = 0;
    while (key[n])
        n++;
    for (const char *s = cmdline; *s; s++) {
        /* the key at the start of a word */
        if ((s != cmdline && s[-1] != ' ') || strncmp(s, key, n))
            continue;
        u64 v = 0;
        for (s += n; *s; s++) {
            int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
            if (d < 0 || d >= base)
                break;
            v = v * base + d;
        }
        return v;
    }
    return dflt;
}

void poweroff(void)
{
    outb(0x600, 0x34); /* SLP_EN | SLP_TYP 5 (S5) */
    outb(0xF4, 0);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* The #GP handler of idt.h: counts the fault and skips the faulting 2-byte WRMSR/RDMSR (RIP sits above the
 * error code, which iretq must not see). Only guests that install it with set_gate(13, gp_entry) use it. */
volatile u32 gp_count;
__asm__(".text\n"
        ".globl gp_entry\n"
        "gp_entry:\n"
        "  addq $2, 8(%rsp)\n"
        "  lock incl gp_count(%rip)\n"
        "  add $8, %rsp\n"
        "  iretq\n");
