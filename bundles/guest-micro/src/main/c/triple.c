/* The triple micro-guest: an IDT with limit 0, then a division by zero. #DE cannot be delivered (#GP), nor can
 * that (#DF), nor that: a triple fault, which a PC answers with a shutdown. */
#include "hostile.h"

void main(const struct hvm_start_info *si)
{
    (void)si;
    printf("CELADON-TRIPLE loading an empty IDT and dividing by zero: expect a triple fault\n");
    load_empty_idt();
    __asm__ volatile("xor %%ecx, %%ecx; xor %%edx, %%edx; mov $1, %%eax; div %%ecx" : : : "eax", "ecx", "edx");
    printf("CELADON-TRIPLE survived a division by zero\n");
    poweroff();
}
