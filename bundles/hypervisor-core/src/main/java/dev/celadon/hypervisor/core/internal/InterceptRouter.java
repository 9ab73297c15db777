package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.intercept.CpuidHandler;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.HypercallHandler;
import dev.celadon.hypervisor.api.intercept.InterceptRegistry;
import dev.celadon.hypervisor.api.intercept.MmioHandler;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.hypervisor.api.Register;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Routes one partition's guest accesses to the devices that claimed them. Unclaimed accesses behave as on an
 * empty PC bus: reads return all ones, writes vanish, MSRs raise #GP.
 */
final class InterceptRouter implements InterceptRegistry {

    private final RangeTable<PortIoHandler> ports = new RangeTable<>("port");
    private final RangeTable<MmioHandler> mmio = new RangeTable<>("MMIO");
    private final RangeTable<MsrHandler> msrs = new RangeTable<>("MSR");
    private final List<CpuidHandler> cpuid = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<Integer, HypercallHandler> hypercalls = new ConcurrentHashMap<>();

    @Override
    public Registration portIo(int firstPort, int count, PortIoHandler handler) {
        if (firstPort < 0 || count <= 0 || firstPort + count > 0x10000) {
            throw new HypervisorException(String.format("invalid port range 0x%x+%d", firstPort, count));
        }
        ports.add(firstPort, count, handler);
        return () -> ports.remove(firstPort, handler);
    }

    @Override
    public Registration mmio(long base, long length, MmioHandler handler) {
        mmio.add(base, length, handler);
        return () -> mmio.remove(base, handler);
    }

    @Override
    public Registration msr(int firstMsr, int count, MsrHandler handler) {
        long first = Integer.toUnsignedLong(firstMsr);
        if (count <= 0 || first + count > 0x1_0000_0000L) {
            throw new HypervisorException(String.format("invalid MSR range 0x%x+%d", first, count));
        }
        msrs.add(first, count, handler);
        return () -> msrs.remove(first, handler);
    }

    @Override
    public Registration cpuid(CpuidHandler handler) {
        cpuid.add(handler);
        return () -> cpuid.remove(handler);
    }

    @Override
    public Registration hypercall(int callCode, HypercallHandler handler) {
        if (callCode < 0 || callCode > 0xFFFF) {
            throw new HypervisorException(String.format("invalid hypercall code 0x%x", callCode));
        }
        HypercallHandler old = hypercalls.putIfAbsent(callCode, handler);
        if (old != null) {
            throw new HypervisorException(String.format("hypercall 0x%x is already claimed by %s", callCode, old));
        }
        return () -> hypercalls.remove(callCode, handler);
    }

    /** Reads the call from the registers (TLFS x64 convention) and writes the result to RAX. */
    void hypercall(VirtualProcessor vp) {
        long control = vp.register(Register.RCX);
        HypercallHandler h = hypercalls.get((int) (control & 0xFFFF));
        long result = h == null ? HypercallHandler.HV_STATUS_INVALID_HYPERCALL_CODE
                : h.call(vp, control, vp.register(Register.RDX), vp.register(Register.R8));
        vp.setRegister(Register.RAX, result);
    }

    List<CpuidHandler> cpuidHandlers() {
        return List.copyOf(cpuid);
    }

    int portRead(VirtualProcessor vp, int port, int size) {
        PortIoHandler h = ports.find(port, size);
        return h != null ? h.read(vp, port, size) : (int) allOnes(size);
    }

    void portWrite(VirtualProcessor vp, int port, int size, int value) {
        PortIoHandler h = ports.find(port, size);
        if (h != null) {
            h.write(vp, port, size, value);
        }
    }

    long mmioRead(VirtualProcessor vp, long address, int size) {
        MmioHandler h = mmio.find(address, size);
        return h != null ? h.read(vp, address, size) : allOnes(size);
    }

    void mmioWrite(VirtualProcessor vp, long address, int size, long value) {
        MmioHandler h = mmio.find(address, size);
        if (h != null) {
            h.write(vp, address, size, value);
        }
    }

    long msrRead(VirtualProcessor vp, int msr) {
        MsrHandler h = msrs.find(Integer.toUnsignedLong(msr), 1);
        if (h == null) {
            throw new GeneralProtectionFault(String.format("rdmsr 0x%x: no such MSR", msr));
        }
        return h.read(vp, msr);
    }

    void msrWrite(VirtualProcessor vp, int msr, long value) {
        MsrHandler h = msrs.find(Integer.toUnsignedLong(msr), 1);
        if (h == null) {
            throw new GeneralProtectionFault(String.format("wrmsr 0x%x: no such MSR", msr));
        }
        h.write(vp, msr, value);
    }

    private static long allOnes(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }
}
