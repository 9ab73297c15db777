#include "longmode.h"
/*
 * Application processor start-up, shared by the guests that start APs (mp.c): the real-mode trampoline the
 * APs start in (copied to 0x8000 by the BSP, SIPI vector 0x08), their way to long mode, then the guest's
 * ap_main() on a stack of its own.
 */
/* An application processor arrives here from the trampoline, in 32-bit protected mode. */
    .code32
    .globl ap_entry32
ap_entry32:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    ENTER_LONG_MODE             /* no stack: the APs run this at the same time */
    ljmp $0x10, $ap_entry64

    .code64
ap_entry64:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $1, %eax
    lock xadd %eax, ap_next     /* my AP number, from 1 */
    mov %eax, %edx
    shl $14, %rdx               /* 16 KiB per AP */
    lea ap_stacks(%rdx), %rsp
    call ap_main
5:  cli
    hlt
    jmp 5b

/* Real-mode trampoline, run at 0x8000 after a SIPI with vector 0x08. */
    .section .trampoline, "ax"
    .code16
    .globl trampoline_start
trampoline_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl tramp_gdt_ptr - trampoline_start + 0x8000
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $ap_entry32
    .align 4
tramp_gdt_ptr:
    .word 31                    /* start.S's GDT: four descriptors */
    .long gdt

    .data
    .globl ap_next
ap_next:
    .long 1

    .bss
    .align 16
    .globl ap_stacks
ap_stacks:
    .skip 16384 * 64

    .section .note.GNU-stack, "", @progbits
