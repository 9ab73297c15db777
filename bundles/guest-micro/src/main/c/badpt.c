/* The badpt micro-guest: a page directory entry pointing at a page table outside RAM, then a touch of memory
 * through it; if that survives, CR3 itself outside RAM. Either walk reads page tables from where there is no
 * RAM and no device. */
#include "hostile.h"

#define VA 0x8000000000UL /* PML4[1]: nothing else maps here */

static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd[512] __attribute__((aligned(4096)));

void main(const struct hvm_start_info *si)
{
    (void)si;
    pd[0] = OUTSIDE_RAM | 3;               /* present, writable, not a large page: a page table at OUTSIDE_RAM */
    pdpt[0] = (u64)pd | 3;
    pml4[(VA >> 39) & 511] = (u64)pdpt | 3;
    write_cr3(read_cr3());
    printf("CELADON-BADPT touching 0x%lx through a PDE pointing at a page table at 0x%lx outside RAM\n", VA,
           OUTSIDE_RAM);
    load_empty_idt();
    u64 v = *(volatile u64 *)VA;
    printf("CELADON-BADPT read 0x%lx; now loading CR3 with 0x%lx outside RAM\n", v, OUTSIDE_RAM);
    write_cr3(OUTSIDE_RAM);
    *(volatile u64 *)0x200000 = 1;
    printf("CELADON-BADPT still running with CR3 outside RAM\n");
    poweroff();
}
