package dev.celadon.emulator.cpu;

/**
 * A 64-bit test guest: page tables, GDT and TSS built here, the program assembled at {@link #ORIGIN} and
 * entered in long mode at CPL 0 through {@link Cpu#bootLongMode}. The program starts with {@link #PRELUDE}:
 * a stack, an IDT it fills with {@code set_gate}, and {@code putc}.
 *
 * <p>Physical layout: GDT 0x1000, TSS 0x2000, PML4 0x10000, PDPT 0x11000, PD 0x12000 (0-1 GiB), page tables
 * 0x13000 and 0x14000 map 0-4 MiB with 4 KiB pages; the program at 1 MiB.
 */
final class LongModeRig {
    static final long ORIGIN = 0x100000;
    static final long GDT = 0x1000, TSS = 0x2000, PML4 = 0x10000, PDPT = 0x11000, PD = 0x12000, PT0 = 0x13000;
    static final long RSP0 = 0x3F0000, IST1 = 0x3E0000;
    static final int KCODE = 0x08, KDATA = 0x10, UDATA = 0x1B, UCODE = 0x23, TSS_SEL = 0x28;

    static final String PRELUDE = """
            .code64
            _start:
              lea stack_top(%rip), %rsp
              lidt idtr(%rip)
              jmp main
            # set_gate(rdi = vector, rsi = handler, edx = type byte: 0x8E interrupt gate, 0x8F trap, | 0x60 for DPL 3; ecx = IST)
            set_gate:
              lea idt(%rip), %rax
              shl $4, %rdi
              add %rdi, %rax
              mov %si, (%rax)
              movw $0x08, 2(%rax)
              mov %cl, 4(%rax)
              mov %dl, 5(%rax)
              mov %rsi, %r8
              shr $16, %r8
              mov %r8w, 6(%rax)
              shr $16, %r8
              mov %r8d, 8(%rax)
              movl $0, 12(%rax)
              ret
            putc:
              out %al, $0xe9
              ret
            .align 16
            idtr:
              .word 4095
              .quad idt
            .align 16
            idt:
              .skip 4096
              .skip 16384
            stack_top:
            .align 4096
            """;

    final Machine m;

    LongModeRig(Machine m) {
        this.m = m;
    }

    static LongModeRig create(String program) {
        return create(program, Tier.fromSystemProperty());
    }

    static LongModeRig create(String program, Tier tier) {
        Machine m = new Machine(16 << 20, tier);
        LongModeRig rig = new LongModeRig(m);
        rig.pageTables();
        rig.gdtAndTss();
        m.load(PRELUDE + program, ORIGIN);
        m.cpu.bootLongMode(ORIGIN, 0, PML4, GDT, 0x37, KCODE, KDATA);
        m.cpu.setSegment(Segment.TR, new Segment(TSS_SEL, TSS, 0x67, 0x8B));
        return rig;
    }

    void pageTables() {
        m.mem.writeLong(PML4, PDPT | 7);
        m.mem.writeLong(PDPT, PD | 7);
        // 0-4 MiB: 4 KiB pages, user-accessible and writable
        m.mem.writeLong(PD, PT0 | 7);
        m.mem.writeLong(PD + 8, (PT0 + 0x1000) | 7);
        for (int i = 0; i < 1024; i++) {
            m.mem.writeLong(PT0 + i * 8L, ((long) i << 12) | 7);
        }
        // 4-16 MiB: 2 MiB pages, supervisor only
        for (int i = 2; i < 8; i++) {
            m.mem.writeLong(PD + i * 8L, ((long) i << 21) | 0x83);
        }
    }

    void gdtAndTss() {
        m.mem.writeLong(GDT, 0);
        m.mem.writeLong(GDT + 0x08, 0x00AF9A000000FFFFL); // kernel code 64
        m.mem.writeLong(GDT + 0x10, 0x00CF92000000FFFFL); // kernel data
        m.mem.writeLong(GDT + 0x18, 0x00CFF2000000FFFFL); // user data (STAR-compatible layout: data, then code)
        m.mem.writeLong(GDT + 0x20, 0x00AFFA000000FFFFL); // user code 64
        long tssDesc = 0x67 | ((TSS & 0xFFFFFF) << 16) | (0x89L << 40) | (((TSS >>> 24) & 0xFF) << 56);
        m.mem.writeLong(GDT + 0x28, tssDesc);
        m.mem.writeLong(GDT + 0x30, TSS >>> 32);
        m.mem.writeLong(TSS + 4, RSP0);
        m.mem.writeLong(TSS + 0x24, IST1);
        m.mem.write(TSS + 0x66, new byte[] {0x68, 0}); // no I/O bitmap
    }

    /** The PTE of a 4 KiB page below 4 MiB. */
    long pte(long va) {
        return m.mem.readLong(PT0 + (va >>> 12) * 8);
    }

    void setPte(long va, long value) {
        m.mem.writeLong(PT0 + (va >>> 12) * 8, value);
    }

    /** The address of a symbol: assembled once more with the symbol's value emitted (labels are stable). */
    static long symbol(String program, String name) {
        byte[] b = Machine.assemble(PRELUDE + program + "\n.quad " + name + "\n", ORIGIN);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (b[b.length - 8 + i] & 0xFFL) << (8 * i);
        }
        return v;
    }
}
