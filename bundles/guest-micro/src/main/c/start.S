/*
 * Micro-guest start-up: the PVH entry (32-bit protected mode, paging off, EBX = hvm_start_info),
 * identity paging with 2 MiB pages over the first 64 GiB (all RAM of our test guests and the APIC hole),
 * long mode, a stack, then main(start_info).
 */
#include "longmode.h"

#define PD_PAGES 64

    .section .note.Xen, "a", @note
    .align 4
    .long 4                     /* name size: "Xen\0" */
    .long 4                     /* descriptor size */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start

    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    mov %ebx, %esi              /* keep start_info */
    lgdt gdt_ptr
    ljmp $0x08, $1f             /* our own flat 32-bit code segment */
1:  mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %esp
    /* PML4[0] -> PDPT; PDPT[i] -> PD page i; each PD maps 512 x 2 MiB. */
    mov $pdpt, %eax
    or $3, %eax
    mov %eax, pml4
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    add $pd, %eax
    or $3, %eax
    mov %eax, pdpt(,%ecx,8)
    inc %ecx
    cmp $PD_PAGES, %ecx
    jne 2b
    xor %ecx, %ecx              /* entry index over all PD pages; physical address = index * 2 MiB */
3:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax              /* present, writable, 2 MiB page */
    mov %ecx, %edx
    shr $11, %edx               /* bits 32 and up of index * 2 MiB */
    mov %eax, pd(,%ecx,8)
    mov %edx, pd+4(,%ecx,8)
    inc %ecx
    cmp $(PD_PAGES * 512), %ecx
    jne 3b
    ENTER_LONG_MODE
    ljmp $0x10, $long_entry

    .code64
long_entry:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $boot_stack_top, %rsp
    mov %esi, %edi              /* main(struct hvm_start_info *) */
    call main
4:  cli
    hlt
    jmp 4b

    .data
    .align 16
    .globl gdt, gdt_end
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF    /* 0x08: 32-bit code */
    .quad 0x00AF9A000000FFFF    /* 0x10: 64-bit code */
    .quad 0x00CF92000000FFFF    /* 0x18: data */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt

    .bss
    .align 4096
    .globl pml4
pml4:
    .skip 4096
pdpt:
    .skip 4096
pd:
    .skip 4096 * PD_PAGES
    .align 16
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
