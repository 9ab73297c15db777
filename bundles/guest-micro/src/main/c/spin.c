/* The spin micro-guest: interrupts off, then an endless loop. It never exits by itself: only the VMM can stop
 * it, which is what it tests. */
#include "lib.h"

void main(const struct hvm_start_info *si)
{
    (void)si;
    printf("CELADON-SPIN spinning forever with interrupts off\n");
    __asm__ volatile("cli\n1: jmp 1b");
}
