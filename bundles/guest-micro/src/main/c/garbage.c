/* The garbage micro-guest: fills a page with pseudo-random bytes (xorshift from seed=0x<hex>, default 1, so every
 * run executes the same bytes) and jumps into it. With an empty IDT the first exception is a triple fault.
 * Under QEMU TCG seed 1 runs memory operands, PUSH/POP, an IN from port 2 and a jump back into zeros, then takes
 * #GP; some seeds never fault (0x2545f4914f6cdd1d ends in a JRCXZ loop through zeros). */
#include "hostile.h"

static u8 page[4096] __attribute__((aligned(4096)));

void main(const struct hvm_start_info *si)
{
    u64 x = cmdline_number(cmdline_of(si), "seed=0x", 16, 1);
    for (int i = 0; i < 4096; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (int b = 0; b < 8; b++)
            page[i + b] = (u8)(x >> (8 * b));
    }
    printf("CELADON-GARBAGE jumping into a page of pseudo-random bytes at 0x%lx\n", (u64)page);
    load_empty_idt();
    ((void (*)(void))page)();
    printf("CELADON-GARBAGE the random bytes returned\n");
    poweroff();
}
