package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real micro-guests (bundles/guest-micro), built with their own Makefile at test time, loaded from their
 * ELF program headers and entered the PVH way: 32-bit protected mode, paging off, EBX = hvm_start_info.
 */
class MicroGuestTest {
    static Path out;

    @BeforeAll
    static void build() throws Exception {
        Path src = Path.of("../guest-micro/src/main/c").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(src), "micro-guest sources not found");
        out = Files.createTempDirectory("celadon-mg");
        int rc = Machine.run(src, "make", "-s", "-C", src.toString(), "OUT=" + out, "OBJ=" + out.resolve("obj"));
        Assumptions.assumeTrue(rc == 0, "gcc/make could not build the micro-guests");
    }

    static final long START_INFO = 0x6000;

    /** Loads an ELF64's PT_LOAD segments; returns the PVH entry (from the Xen note) or e_entry. */
    static long loadElf(Machine m, byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = b.getShort(0x36) & 0xFFFF;
        int phnum = b.getShort(0x38) & 0xFFFF;
        long entry = b.getLong(0x18);
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(p);
            long off = b.getLong(p + 8);
            long paddr = b.getLong(p + 24);
            long filesz = b.getLong(p + 32);
            if (type == 1 && filesz > 0) {
                byte[] seg = java.util.Arrays.copyOfRange(elf, (int) off, (int) (off + filesz));
                m.mem.write(paddr, seg);
            } else if (type == 4) {
                // Xen note: namesz, descsz, type 18 = PHYS32_ENTRY
                for (int q = (int) off; q < off + filesz; ) {
                    int namesz = b.getInt(q);
                    int descsz = b.getInt(q + 4);
                    int ntype = b.getInt(q + 8);
                    int desc = q + 12 + ((namesz + 3) & ~3);
                    if (ntype == 18) {
                        entry = b.getInt(desc) & 0xFFFF_FFFFL;
                    }
                    q = desc + ((descsz + 3) & ~3);
                }
            }
        }
        return entry;
    }

    /** hvm_start_info with one RAM entry covering all of RAM; no ACPI tables. */
    static void startInfo(Machine m, long ram) {
        ByteBuffer si = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        si.putInt(0, 0x336ec578).putInt(4, 1).putLong(40, START_INFO + 0x100).putInt(48, 1);
        m.mem.write(START_INFO, si.array());
        ByteBuffer e = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        e.putLong(0, 0).putLong(8, ram).putInt(16, 1);
        m.mem.write(START_INFO + 0x100, e.array());
    }

    static Machine boot(String guest, long ram) throws Exception {
        Machine m = new Machine((int) ram);
        long entry = loadElf(m, Files.readAllBytes(out.resolve(guest + ".elf")));
        startInfo(m, ram);
        // The loader's GDT: any flat code/data pair; the guest loads its own at once.
        m.mem.write(0x5000, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x9B, (byte) 0xCF, 0,
                (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x93, (byte) 0xCF, 0});
        m.cpu.bootProtectedMode(entry, START_INFO, 0x5000, 23, 0x08, 0x10);
        return m;
    }

    @Test
    void demoPrintsItsBannerTestsTheTopPageAndEchoesWithInterrupts() throws Exception {
        long ram = 32 << 20;
        Machine m = boot("demo", ram);
        ExitReason r = m.run();
        assertEquals(ExitReason.HALT, r, () -> m.cpu.failure() + "\n" + m.out());
        String o = m.out();
        assertTrue(o.contains("CELADON-DEMO cpus=1 mem_mib=32"), o);
        assertTrue(o.contains("page 0x" + Long.toHexString(ram - 4096) + " ok"), o);
        assertTrue(o.contains("echo ready"), o);
        assertTrue(m.cpu.longMode());
        assertTrue(m.cpu.interruptsEnabled(), "sti; hlt leaves IF set");
        // The UART interrupt: the guest's handler runs, writes the LAPIC EOI and IRETQs back to its HLT loop.
        int before = m.platform.mmio.size();
        m.platform.raise(0x24);
        m.cpu.signalInterrupt();
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertTrue(m.platform.mmio.subList(before, m.platform.mmio.size()).contains("W4 fee000b0=0"), m.platform.mmio.toString());
        System.out.println("demo guest: " + m.cpu.instructionsRetired() + " instructions");
    }

    @Test
    void faultyGuestsSseAccessToMmioIsEmulated() throws Exception {
        Machine m = boot("faulty", 16 << 20);
        ExitReason r = m.run();
        // PADDD with its operand in MMIO (what KVM cannot emulate) runs here: two 8-byte device reads.
        assertEquals(ExitReason.HALT, r, () -> m.cpu.failure() + "\n" + m.out());
        assertTrue(m.out().contains("CELADON-FAULTY still running: this host emulated it"), m.out());
        assertTrue(m.platform.unimplementedRips.isEmpty(), m.platform.unimplementedRips.toString());
        assertTrue(m.platform.mmio.contains("R8 feb00000") && m.platform.mmio.contains("R8 feb00008"), m.platform.mmio.toString());
    }
}
