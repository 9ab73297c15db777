/* A micro-guest's interrupt descriptor table (one 64-bit interrupt gate per vector, code selector 0x10 of
 * start.S's GDT) and MSR accesses that survive a #GP: gp_entry (lib.c) counts the fault in gp_count and skips
 * the 2-byte WRMSR/RDMSR (rdmsr_gp then reads 0). Header-only: each guest that includes it gets its own table. */
#ifndef CELADON_IDT_H
#define CELADON_IDT_H
#include "lib.h"

struct idt_entry {
    u16 off0, sel;
    u8 ist, type;
    u16 off1;
    u32 off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));

static inline void set_gate(int v, void (*h)(void))
{
    u64 a = (u64)h;
    idt[v].off0 = (u16)a;
    idt[v].sel = 0x10;
    idt[v].ist = 0;
    idt[v].type = 0x8E; /* present, interrupt gate */
    idt[v].off1 = (u16)(a >> 16);
    idt[v].off2 = (u32)(a >> 32);
    idt[v].zero = 0;
}

static inline void load_idt(void)
{
    struct {
        u16 limit;
        u64 base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (u64)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
}

/* The #GP handler of lib.c (set it with set_gate(13, gp_entry)) and its count. */
extern volatile u32 gp_count;
extern void gp_entry(void);

/* WRMSR; returns 1 if it took #GP. */
static inline int wrmsr_gp(u32 msr, u64 v)
{
    u32 before = gp_count;
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
    return gp_count != before;
}

/* RDMSR; *gp = 1 if it took #GP (the value is then 0). */
static inline u64 rdmsr_gp(u32 msr, int *gp)
{
    u32 before = gp_count, lo = 0, hi = 0; /* what a skipped RDMSR leaves */
    __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *gp = gp_count != before;
    return ((u64)hi << 32) | lo;
}
#endif
