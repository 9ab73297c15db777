# A Multiboot (v1) test kernel: prints what its boot loader passed in multiboot_info to the debug console
# (port 0xE9), one "key=value" line each, then leaves QEMU through isa-debug-exit (port 0xF4). Assembled with
# "as --32" (with --defsym AOUT=1 for the a.out-kludge variant, header flag 16) and linked by mbtest.ld.
        .set MB_MAGIC, 0x1BADB002
.ifdef AOUT
        .set MB_FLAGS, 0x00010003
.else
        .set MB_FLAGS, 0x00000003
.endif
        .section .multiboot, "a"
        .align 4
mb_header:
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
.ifdef AOUT
        .long mb_header, __load_start, __load_end, __bss_end, _start
.endif

        .text
        .code32
        .globl _start
_start:
        movl $stack_top, %esp           # the spec leaves ESP undefined: make a stack first
        movl %ebx, %ebp
        movl $s_magic, %esi
        call putkv                      # eax = the boot loader's magic
        movl $s_flags, %esi
        movl 0(%ebp), %eax
        call putkv
        movl $s_lower, %esi
        movl 4(%ebp), %eax
        call putkv
        movl $s_upper, %esi
        movl 8(%ebp), %eax
        call putkv
        testl $0x4, 0(%ebp)
        jz 1f
        movl $s_cmdline, %esi
        call puts
        movl 16(%ebp), %esi
        call puts
        call newline
1:      testl $0x8, 0(%ebp)
        jz 3f
        movl $s_mods, %esi
        movl 20(%ebp), %eax
        call putkv
        movl 24(%ebp), %ebx             # module structures
        movl 20(%ebp), %ecx
2:      testl %ecx, %ecx
        jz 3f
        movl $s_mod, %esi
        call puts
        movl 0(%ebx), %eax
        call puthex
        call space
        movl 4(%ebx), %eax
        call puthex
        call space
        movl 0(%ebx), %esi
        movl 4(%ebx), %edi
        call fnv
        call puthex
        call space
        movl 8(%ebx), %esi
        call puts
        call newline
        addl $16, %ebx
        decl %ecx
        jmp 2b
3:      testl $0x40, 0(%ebp)
        jz 5f
        movl 48(%ebp), %ebx             # mmap_addr
        movl 44(%ebp), %ecx
        addl %ebx, %ecx                 # end of the buffer
4:      cmpl %ecx, %ebx
        jae 5f
        movl $s_mmap, %esi
        call puts
        movl 8(%ebx), %eax
        call puthex
        movl 4(%ebx), %eax
        call puthex
        call space
        movl 16(%ebx), %eax
        call puthex
        movl 12(%ebx), %eax
        call puthex
        call space
        movl 20(%ebx), %eax
        call puthex
        call newline
        addl 0(%ebx), %ebx
        addl $4, %ebx
        jmp 4b
5:      testl $0x200, 0(%ebp)
        jz 6f
        movl $s_loader, %esi
        call puts
        movl 64(%ebp), %esi
        call puts
        call newline
6:      movl $s_done, %esi
        call puts
        movw $0xf4, %dx                 # isa-debug-exit
        movb $0x10, %al
        outb %al, %dx
7:      cli
        hlt
        jmp 7b

# putkv: the label at esi, eax in hex, a newline
putkv:  call puts
        call puthex
        jmp newline
# puts: the NUL-terminated string at esi
puts:   pushl %eax
        pushl %esi
1:      movb (%esi), %al
        testb %al, %al
        jz 2f
        outb %al, $0xe9
        incl %esi
        jmp 1b
2:      popl %esi
        popl %eax
        ret
# puthex: eax as 8 hex digits
puthex: pushl %eax
        pushl %ecx
        pushl %edx
        movl %eax, %edx
        movl $8, %ecx
1:      roll $4, %edx
        movl %edx, %eax
        andl $0xf, %eax
        movb hexdigits(%eax), %al
        outb %al, $0xe9
        decl %ecx
        jnz 1b
        popl %edx
        popl %ecx
        popl %eax
        ret
newline: pushl %eax
        movb $'\n', %al
        outb %al, $0xe9
        popl %eax
        ret
space:  pushl %eax
        movb $' ', %al
        outb %al, $0xe9
        popl %eax
        ret
# fnv: FNV-1a 32 of the bytes [esi, edi) into eax
fnv:    pushl %edx
        movl $0x811c9dc5, %eax
1:      cmpl %edi, %esi
        jae 2f
        movzbl (%esi), %edx
        xorl %edx, %eax
        imull $0x01000193, %eax, %eax
        incl %esi
        jmp 1b
2:      popl %edx
        ret

        .section .rodata
hexdigits: .ascii "0123456789abcdef"
s_magic:   .asciz "magic="
s_flags:   .asciz "flags="
s_lower:   .asciz "mem_lower="
s_upper:   .asciz "mem_upper="
s_cmdline: .asciz "cmdline="
s_mods:    .asciz "mods_count="
s_mod:     .asciz "mod="
s_mmap:    .asciz "mmap="
s_loader:  .asciz "loader="
s_done:    .asciz "done\n"

        .bss
        .align 16
stack:  .skip 16384
stack_top:
