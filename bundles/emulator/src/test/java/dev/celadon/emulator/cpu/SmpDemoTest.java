package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo micro-guest with three processors: ACPI tables (RSDP, XSDT, MADT) list them, and a minimal local
 * APIC (ID register, ICR with INIT and STARTUP to all-excluding-self) starts the APs, which run the real-mode
 * trampoline (lgdtl, CR0.PE, ljmpl), enter long mode, take their stacks with lock xadd and print.
 */
class SmpDemoTest {
    static final int CPUS = 3;

    /** One per processor: its own LAPIC ID; the console and the "bus" are shared. */
    final class ApicPlatform extends TestPlatform {
        final int id;

        ApicPlatform(int id) {
            this.id = id;
        }

        @Override
        public long mmioRead(long pa, int size) {
            if (pa == 0xFEE00020L) {
                return (long) id << 24;
            }
            return 0;
        }

        @Override
        public void mmioWrite(long pa, int size, long value) {
            if (pa == 0xFEE00300L) {
                int mode = (int) (value >> 8) & 7;
                if (mode == 6) {
                    startAps((int) value & 0xFF);
                }
            }
        }

        @Override
        public void out(int port, int size, int value) {
            synchronized (shared) {
                shared.out(port, size, value);
            }
        }

        @Override
        public long tsc() {
            return System.nanoTime() * 3; // a 3 GHz TSC shared by all processors
        }
    }

    final TestPlatform shared = new TestPlatform();
    final List<Cpu> cpus = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    final List<ExitReason> apExits = new ArrayList<>();
    boolean started;

    synchronized void startAps(int vector) {
        if (started) {
            return; // the second SIPI: the APs are no longer waiting for one
        }
        started = true;
        for (int i = 1; i < CPUS; i++) {
            Cpu ap = cpus.get(i);
            ap.startupIpi(vector);
            Thread t = new Thread(() -> {
                ExitReason r = ap.run();
                synchronized (apExits) {
                    apExits.add(r);
                }
            }, "ap" + i);
            threads.add(t);
            t.start();
        }
    }

    static void table(ByteBuffer b, int at, String sig, int len) {
        for (int i = 0; i < 4; i++) {
            b.put(at + i, (byte) sig.charAt(i));
        }
        b.putInt(at + 4, len);
        b.put(at + 8, (byte) 1);
    }

    static void checksum(ByteBuffer b, int at, int len, int field) {
        int s = 0;
        for (int i = 0; i < len; i++) {
            s += b.get(at + i);
        }
        b.put(at + field, (byte) (b.get(at + field) - s));
    }

    @Test
    void demoBringsUpThreeProcessors() throws Exception {
        MicroGuestTest.build();
        long ram = 64 << 20;
        Machine m = new Machine((int) ram);
        long entry = MicroGuestTest.loadElf(m, Files.readAllBytes(MicroGuestTest.out.resolve("demo.elf")));
        MicroGuestTest.startInfo(m, ram);
        // ACPI: RSDP at 0xE0000, XSDT at 0xE0100, MADT at 0xE0200
        ByteBuffer a = ByteBuffer.allocate(0x400).order(ByteOrder.LITTLE_ENDIAN);
        byte[] sig = "RSD PTR ".getBytes();
        a.put(0, sig);
        a.put(15, (byte) 2);
        a.putInt(20, 36);
        a.putLong(24, 0xE0100);
        checksum(a, 0, 20, 8);
        checksum(a, 0, 36, 32);
        table(a, 0x100, "XSDT", 44);
        a.putLong(0x100 + 36, 0xE0200);
        checksum(a, 0x100, 44, 9);
        int madtLen = 44 + 8 * CPUS;
        table(a, 0x200, "APIC", madtLen);
        a.putInt(0x200 + 36, 0xFEE00000);
        for (int i = 0; i < CPUS; i++) {
            int e = 0x200 + 44 + 8 * i;
            a.put(e, (byte) 0).put(e + 1, (byte) 8).put(e + 2, (byte) i).put(e + 3, (byte) i).putInt(e + 4, 1);
        }
        checksum(a, 0x200, madtLen, 9);
        m.mem.write(0xE0000, a.array());
        ByteBuffer si = ByteBuffer.wrap(m.mem.read(MicroGuestTest.START_INFO, 56)).order(ByteOrder.LITTLE_ENDIAN);
        si.putLong(32, 0xE0000);
        m.mem.write(MicroGuestTest.START_INFO, si.array());

        for (int i = 0; i < CPUS; i++) {
            cpus.add(new Cpu(i, m.mem, new ApicPlatform(i)));
        }
        Cpu bsp = cpus.get(0);
        m.mem.write(0x5000, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x9B, (byte) 0xCF, 0,
                (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x93, (byte) 0xCF, 0});
        bsp.bootProtectedMode(entry, MicroGuestTest.START_INFO, 0x5000, 23, 0x08, 0x10);
        ExitReason r = bsp.run();
        for (Thread t : threads) {
            t.join(10_000);
        }
        String o = shared.output();
        assertEquals(ExitReason.HALT, r, () -> bsp.failure() + "\n" + o);
        assertTrue(o.contains("CELADON-DEMO cpus=3 mem_mib=64"), o);
        assertTrue(o.contains("vcpu 0 up") && o.contains("vcpu 1 up") && o.contains("vcpu 2 up"), o);
        assertTrue(o.contains("all 3 vcpus up"), o);
        assertTrue(o.contains("echo ready"), o);
        assertEquals(List.of(ExitReason.HALT, ExitReason.HALT), apExits, () -> cpus.get(1).failure() + " / " + cpus.get(2).failure());
        for (int i = 1; i < CPUS; i++) {
            assertTrue(cpus.get(i).longMode(), "AP " + i + " in long mode");
        }
    }
}
