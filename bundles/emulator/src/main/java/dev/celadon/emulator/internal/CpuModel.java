package dev.celadon.emulator.internal;

import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU the emulator presents: it advertises exactly what the emulator's CPU implements (glibc and Linux pick
 * code paths from CPUID, so a bit set for something missing is a crash later). See the bundle README for every bit.
 */
final class CpuModel {

    static final String VENDOR = "CeladonEmu64";
    static final String BRAND = "Celadon x86-64 emulator";
    static final String DESCRIPTION = "Celadon x86-64 emulator (integer, x87, SSE/SSE2, FXSR, long mode, xAPIC/x2APIC)";

    // CPUID.1:EDX
    static final int FPU = 1, FXSR = 1 << 24, SSE = 1 << 25, SSE2 = 1 << 26;
    static final int TSC = 1 << 4, MSR = 1 << 5, PAE = 1 << 6, CX8 = 1 << 8, APIC = 1 << 9, SEP = 1 << 11,
            PGE = 1 << 13, CMOV = 1 << 15, PAT = 1 << 16, PSE = 1 << 3, CLFSH = 1 << 19;
    // CPUID.1:ECX
    static final int X2APIC = 1 << 21, HYPERVISOR = 1 << 31;
    // CPUID.6:EAX
    static final int ARAT = 1 << 2;
    // CPUID.80000001:EDX / ECX
    static final int SYSCALL = 1 << 11, NX = 1 << 20, PDPE1GB = 1 << 26, RDTSCP = 1 << 27, LM = 1 << 29;
    static final int LAHF_LM = 1;

    private CpuModel() {
    }

    static List<CpuidEntry> entries(int vpIndex, int vpCount) {
        List<CpuidEntry> out = new ArrayList<>();
        int[] vendor = vendorWords();
        add(out, 0, 0, 6, vendor[0], vendor[2], vendor[1]);
        // Family 6, model 0x0F, stepping 1: an ordinary, old model number no erratum keys on.
        int signature = (6 << 8) | (0xF << 4) | 1;
        int ebx = (vpIndex << 24) | (Math.min(vpCount, 255) << 16) | (8 << 8); // APIC ID, logical count, CLFLUSH 64 B
        add(out, 1, 0, signature, ebx, X2APIC | HYPERVISOR,
                FPU | PSE | TSC | MSR | PAE | CX8 | APIC | SEP | PGE | CMOV | PAT | CLFSH | FXSR | SSE | SSE2);
        add(out, 6, 0, ARAT, 0, 0, 0);
        int[] brand = brandWords();
        add(out, 0x8000_0000, 0, 0x8000_0008, 0, 0, 0);
        add(out, 0x8000_0001, 0, 0, 0, LAHF_LM, SYSCALL | NX | PDPE1GB | RDTSCP | LM);
        for (int i = 0; i < 3; i++) {
            add(out, 0x8000_0002 + i, 0, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2], brand[4 * i + 3]);
        }
        add(out, 0x8000_0008, 0, (48 << 8) | 40, 0, 0, 0); // 40 physical, 48 linear address bits
        return out;
    }

    private static void add(List<CpuidEntry> out, int leaf, int sub, int a, int b, int c, int d) {
        out.add(new CpuidEntry(new CpuidLeaf(leaf, sub), new CpuidResult(a, b, c, d)));
    }

    private static int[] vendorWords() {
        ByteBuffer b = ByteBuffer.wrap(VENDOR.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {b.getInt(0), b.getInt(4), b.getInt(8)}; // EBX, EDX, ECX in string order
    }

    private static int[] brandWords() {
        byte[] s = new byte[48];
        byte[] t = BRAND.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, s, 0, t.length);
        ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
        int[] w = new int[12];
        for (int i = 0; i < 12; i++) {
            w[i] = b.getInt(4 * i);
        }
        return w;
    }
}
