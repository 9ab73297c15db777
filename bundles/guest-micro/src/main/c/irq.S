/* The demo guest's interrupt entries. */
    .code64
    .text
/* Interrupt entry for the demo's UART vector: save what C may clobber, call uart_interrupt, EOI. */
    .globl irq_uart
irq_uart:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    call uart_interrupt
    mov $0xFEE000B0, %eax       /* local APIC EOI (rax is saved above) */
    movl $0, (%rax)
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq

    .globl irq_spurious
irq_spurious:
    iretq

    .section .note.GNU-stack, "", @progbits
