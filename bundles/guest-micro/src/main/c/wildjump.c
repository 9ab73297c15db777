/* The wildjump micro-guest: maps the virtual address 0x7f0000000000 to physical memory beyond RAM (512 GiB)
 * and jumps there: instruction fetch from an address with no RAM and no device. One 4 KiB page only: QEMU
 * executes what it reads there (zeros: ADD [RAX], AL) and faults at the next page, a triple fault. */
#include "hostile.h"

#define WILD 0x7f0000000000UL

static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd[512] __attribute__((aligned(4096)));
static u64 pt[512] __attribute__((aligned(4096)));

void main(const struct hvm_start_info *si)
{
    (void)si;
    pt[0] = OUTSIDE_RAM | 3;               /* present, writable 4 KiB page */
    pd[0] = (u64)pt | 3;
    pdpt[0] = (u64)pd | 3;
    pml4[(WILD >> 39) & 511] = (u64)pdpt | 3;
    write_cr3(read_cr3());
    printf("CELADON-WILDJUMP jumping to 0x%lx, mapped to physical 0x%lx outside RAM\n", WILD, OUTSIDE_RAM);
    load_empty_idt();
    ((void (*)(void))WILD)();
    printf("CELADON-WILDJUMP came back from outside RAM\n");
    poweroff();
}
