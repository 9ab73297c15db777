/* 32-bit code to enter long mode with start.S's page tables: PAE, CR3, EFER.LME, then paging. Uses no stack,
 * so application processors can run it together; clobbers eax, ecx, edx. */
#define ENTER_LONG_MODE              \
    mov %cr4, %eax;                  \
    or $0x20, %eax;                  \
    mov %eax, %cr4;                  \
    mov $pml4, %eax;                 \
    mov %eax, %cr3;                  \
    mov $0xC0000080, %ecx;           \
    rdmsr;                           \
    or $0x100, %eax;                 \
    wrmsr;                           \
    mov %cr0, %eax;                  \
    or $0x80000001, %eax;            \
    mov %eax, %cr0
