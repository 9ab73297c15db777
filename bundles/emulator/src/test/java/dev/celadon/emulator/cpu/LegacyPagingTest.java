package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** 32-bit protected mode with 2-level paging (4 KiB and 4 MiB pages) and with PAE (3-level, 2 MiB pages). */
class LegacyPagingTest {

    @Test
    void twoLevelPagingWith4KAnd4MPages() {
        // PD at 0x10000: PDE 0 -> PT at 0x11000 (identity 0-4 MiB), PDE 3 -> 4 MiB page at physical 8 MiB.
        String prog = """
                .code32
                start:
                  mov %cr4, %eax
                  or $0x10, %eax            # PSE
                  mov %eax, %cr4
                  mov $0x10000, %eax
                  mov %eax, %cr3
                  mov %cr0, %eax
                  or $0x80000000, %eax
                  mov %eax, %cr0
                  movl $0xA5A5, 0xC00010    # virtual 12 MiB + 16 -> physical 8 MiB + 16
                  mov 0x100000, %ebx        # through the 4 KiB page table
                  hlt
                """;
        Machine m = new Machine(16 << 20);
        m.load(prog, 0x100000);
        m.mem.write(0x10000, le32(0x11000 | 3));
        m.mem.write(0x10000 + 3 * 4, le32(0x800000 | 0x83));
        for (int i = 0; i < 1024; i++) {
            m.mem.write(0x11000 + i * 4L, le32((i << 12) | 3));
        }
        m.cpu.bootProtectedMode(0x100000, 0, 0, 0, 0x08, 0x10);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals(0xA5A5, m.mem.readLong(0x800010) & 0xFFFFFFFFL);
        assertEquals(0x0F, m.mem.readLong(0x100000) & 0xFF, "the first byte of the program (mov %cr4: 0f 20 e0)");
        assertEquals(0x60, m.mem.read(0x10000 + 12, 1)[0] & 0x60, "4 MiB PDE accessed and dirty");
    }

    @Test
    void paePagingWith2MPages() {
        // PDPT at 0x10000 (32-byte aligned): PDPTE 0 -> PD at 0x11000: PDE 0 identity 2 MiB, PDE 5 -> physical 6 MiB.
        String prog = """
                .code32
                start:
                  mov %cr4, %eax
                  or $0x20, %eax            # PAE
                  mov %eax, %cr4
                  mov $0x10000, %eax
                  mov %eax, %cr3
                  mov %cr0, %eax
                  or $0x80000000, %eax
                  mov %eax, %cr0
                  movl $0x5A5A, 0xA00020    # virtual 10 MiB + 32 -> physical 6 MiB + 32
                  hlt
                """;
        Machine m = new Machine(16 << 20);
        m.load(prog, 0x100000);
        m.mem.writeLong(0x10000, 0x11000 | 1);
        m.mem.writeLong(0x11000, 0x83);
        m.mem.writeLong(0x11000 + 5 * 8, 0x600000 | 0x83);
        m.cpu.bootProtectedMode(0x100000, 0, 0, 0, 0x08, 0x10);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals(0x5A5A, m.mem.readLong(0x600020) & 0xFFFFFFFFL);
    }

    static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }
}
