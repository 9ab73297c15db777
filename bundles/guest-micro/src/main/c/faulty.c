/*
 * The faulty micro-guest: runs an instruction KVM cannot complete. PADDD with its memory operand in the
 * MMIO hole (0xFEB00000, no RAM, no device) forces KVM to emulate the access, and KVM's x86 emulator does not
 * implement SSE arithmetic, so KVM_RUN returns KVM_EXIT_INTERNAL_ERROR (emulation) on hardware KVM as under
 * kvm_pvm (checked on the latter). The VMM must end this VM with the reason, not crash.
 */
#include "lib.h"

void main(const struct hvm_start_info *si)
{
    (void)si;
    printf("CELADON-FAULTY executing an instruction KVM cannot emulate\n");
    u64 cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr0 = (cr0 & ~(1UL << 2)) | (1UL << 1); /* EM off, MP on: SSE allowed */
    cr4 |= (1UL << 9) | (1UL << 10);          /* OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    __asm__ volatile("paddd (%0), %%xmm0" ::"r"(0xFEB00000UL) : "memory");
    printf("CELADON-FAULTY still running: this host emulated it\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
