package dev.celadon.emulator.cpu;

import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small platform for tests: port 0xE9 and a minimal 16550 at 0x3F8 (THR records bytes, LSR reads 0x60) are
 * debug consoles; port 0xF4 records exit codes; an MMIO log; a queue of interrupt vectors standing in for the
 * LAPIC; CPUID answers a plain model; a virtual TSC that advances per read.
 */
class TestPlatform implements CpuPlatform {
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<Integer> exitCodes = new ArrayList<>();
    final List<String> mmio = new ArrayList<>();
    final Map<Long, Long> mmioValues = new ConcurrentHashMap<>();
    final ArrayDeque<Integer> pendingVectors = new ArrayDeque<>();
    final List<Long> unimplementedRips = new ArrayList<>();
    final List<byte[]> unimplementedBytes = new ArrayList<>();
    final Map<Integer, Long> msrs = new ConcurrentHashMap<>();
    int hypercalls;
    long tsc = 1000;
    int tpr;
    Cpu cpu;

    synchronized String output() {
        return console.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Override
    public int in(int port, int size) {
        switch (port) {
            case 0x3FD: return 0x60;
            case 0x3F8: return 0;
            default: return size == 1 ? 0xFF : size == 2 ? 0xFFFF : -1;
        }
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        if (port == 0xE9 || port == 0x3F8) {
            console.write(value & 0xFF);
        } else if (port == 0xF4) {
            exitCodes.add(value);
            if (cpu != null) {
                cpu.requestAttention();
            }
        }
    }

    @Override
    public long mmioRead(long physAddr, int size) {
        synchronized (mmio) {
            mmio.add("R" + size + " " + Long.toHexString(physAddr));
        }
        return mmioValues.getOrDefault(physAddr, -1L);
    }

    @Override
    public void mmioWrite(long physAddr, int size, long value) {
        synchronized (mmio) {
            mmio.add("W" + size + " " + Long.toHexString(physAddr) + "=" + Long.toHexString(value));
        }
        mmioValues.put(physAddr, value);
    }

    @Override
    public long rdmsr(int msr) {
        Long v = msrs.get(msr);
        if (v == null) {
            throw new GeneralProtectionFault("no MSR " + Integer.toHexString(msr));
        }
        return v;
    }

    @Override
    public void wrmsr(int msr, long value) {
        if (!msrs.containsKey(msr)) {
            throw new GeneralProtectionFault("no MSR " + Integer.toHexString(msr));
        }
        msrs.put(msr, value);
    }

    @Override
    public CpuidResult cpuid(int leaf, int subleaf) {
        switch (leaf) {
            case 0: return new CpuidResult(0xD, 0x756E6547, 0x6C65746E, 0x49656E69);
            case 1: return new CpuidResult(0x000306A9, 0, 1 << 31, 0x0000_8B7B | (1 << 19));
            case 0x8000_0000: return new CpuidResult(0x8000_0008, 0, 0, 0);
            case 0x8000_0001: return new CpuidResult(0, 0, 1, (1 << 11) | (1 << 20) | (1 << 29));
            default: return CpuidResult.ZERO;
        }
    }

    @Override
    public void hypercall(Cpu cpu) {
        hypercalls++;
        cpu.setReg(Cpu.RAX, cpu.reg(Cpu.RAX) + 1);
    }

    @Override
    public long tsc() {
        return tsc += 10;
    }

    @Override
    public synchronized int acknowledgeInterrupt() {
        Integer v = pendingVectors.poll();
        return v == null ? -1 : v;
    }

    synchronized void raise(int vector) {
        pendingVectors.add(vector);
    }

    @Override
    public int cr8() {
        return tpr;
    }

    @Override
    public void setCr8(int value) {
        tpr = value;
    }

    @Override
    public synchronized void unimplemented(long rip, byte[] bytes) {
        unimplementedRips.add(rip);
        unimplementedBytes.add(bytes);
    }
}
