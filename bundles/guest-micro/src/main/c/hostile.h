/*
 * Helpers for the hostile micro-guests (garbage, wildjump, badpt, spin, triple), which exist to test that a
 * backend ends a misbehaving guest cleanly. Each prints one line saying what it is about to do.
 */
#ifndef CELADON_HOSTILE_H
#define CELADON_HOSTILE_H
#include "lib.h"

/* start.S's top-level page table (PML4), identity-mapping the first 64 GiB through PML4[0]. */
extern u64 pml4[512];

/* A physical address no test guest has RAM at (512 GiB), yet below QEMU's and Celadon's 40 physical bits. */
#define OUTSIDE_RAM 0x8000000000UL

/* An IDT with limit 0: the first exception cannot be delivered and becomes a triple fault, so how these guests
 * end does not depend on what IDTR the loader left. */
static inline void load_empty_idt(void)
{
    struct {
        u16 limit;
        u64 base;
    } __attribute__((packed)) idtr = {0, 0};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

static inline void write_cr3(u64 v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline u64 read_cr3(void)
{
    u64 v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
#endif
