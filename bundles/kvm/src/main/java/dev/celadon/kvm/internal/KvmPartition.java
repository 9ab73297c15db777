package dev.celadon.kvm.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.InterruptLine;
import dev.celadon.hypervisor.api.InterruptTopology;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KVM VM: guest RAM slots, the in-kernel PIC/IOAPIC/LAPICs and PIT, and one {@link KvmVcpu} per processor.
 * Construction either completes or releases everything it made.
 */
final class KvmPartition implements BackendPartition, InterruptController {

    /**
     * The port our hypercall page writes to (OUT imm8 keeps RCX, RDX and R8, the Hyper-V argument registers,
     * intact). KVM turns VMCALL into its own hypercalls, so the KVM backend traps hypercalls as this port write.
     * 0xEB is unused on the PC platform we present (Linux's io_delay uses 0x80 or 0xED).
     */
    static final int HYPERCALL_PORT = 0xEB;

    private static final Logger LOG = LoggerFactory.getLogger(KvmPartition.class);
    /** KVM's VMX helpers (TSS, identity map) live in the hole below the IOAPIC, out of the guest's RAM. */
    static final long IDENTITY_MAP_ADDR = 0xFEFFC000L;
    static final long TSS_ADDR = 0xFEFFD000L;
    /** MSRs Celadon handles in user space (Hyper-V synthetic MSRs); KVM gives every other one its usual meaning. */
    static final int SYNTHETIC_MSR_BASE = 0x40000000;
    static final int SYNTHETIC_MSR_COUNT = 0x200;

    private final String name;
    private final KvmBackend backend;
    private final ExitHandler exits;
    private final int vmFd;
    private final List<KvmVcpu> vcpus = new ArrayList<>();
    private final List<Pointer> ramMappings = new ArrayList<>();
    private final List<Long> ramSizes = new ArrayList<>();
    private final KvmGuestMemory memory;
    private final Map<String, String> info = new LinkedHashMap<>();
    private boolean closed;
    private volatile boolean linesDead;
    private boolean processorsStopped;
    private InterruptTopology topology;
    /** KVM_GET_TSC_KHZ of the first vCPU (all get the same rate), 0 if KVM did not say. */
    private long tscKhz;

    KvmPartition(KvmBackend backend, int kvmFd, PartitionConfig config, ExitHandler exits, CpuModel model) {
        this.name = config.name();
        this.backend = backend;
        this.exits = exits;
        int fd = -1;
        try {
            fd = LibC.ioctl(kvmFd, KvmIoctl.CREATE_VM, 0L);
        } catch (LastErrorException e) {
            throw new HypervisorException("KVM_CREATE_VM failed: " + LibC.describe(e));
        }
        this.vmFd = fd;
        KvmGuestMemory mem = null;
        try {
            Memory addr = new Memory(8);
            addr.setLong(0, IDENTITY_MAP_ADDR);
            LibC.ioctl(vmFd, KvmIoctl.SET_IDENTITY_MAP_ADDR, addr);
            LibC.ioctl(vmFd, KvmIoctl.SET_TSS_ADDR, TSS_ADDR);
            LibC.ioctl(vmFd, KvmIoctl.CREATE_IRQCHIP, 0L);
            Memory pit = new Memory(64);
            pit.clear();
            LibC.ioctl(vmFd, KvmIoctl.CREATE_PIT2, pit);
            setPcGsiRouting();
            enableUserSpaceMsrs();
            enableCap(KvmIoctl.CAP_EXIT_ON_EMULATION_FAILURE, 1, true);
            mem = mapRam(config.layout().ram());
            long runSize = LibC.ioctl(kvmFd, KvmIoctl.GET_VCPU_MMAP_SIZE, 0L);
            for (int i = 0; i < config.vpCount(); i++) {
                int vfd = LibC.ioctl(vmFd, KvmIoctl.CREATE_VCPU, (long) i);
                Pointer runPage;
                try {
                    runPage = LibC.mmap(Pointer.NULL, runSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, vfd, 0);
                } catch (LastErrorException e) {
                    LibC.close(vfd);
                    throw e;
                }
                vcpus.add(new KvmVcpu(this, i, vfd, new KvmRun(runPage, runSize)));
            }
        } catch (LastErrorException e) {
            this.memory = mem;
            release();
            throw new HypervisorException("cannot create KVM partition " + name + ": " + LibC.describe(e));
        } catch (RuntimeException e) {
            this.memory = mem;
            release();
            throw e;
        }
        this.memory = mem;
        info.put("backend", "kvm");
        info.putAll(backend.virtualizationInfo());
        info.put("vcpus", Integer.toString(vcpus.size()));
        try {
            int khz = LibC.ioctl(vcpus.get(0).fd(), KvmIoctl.GET_TSC_KHZ, 0L);
            info.put("tsc-khz", Integer.toString(khz));
            tscKhz = khz;
        } catch (LastErrorException e) {
            // not every KVM reports it
        }
    }

    String name() {
        return name;
    }

    /** PC interrupt routing as QEMU sets it with an in-kernel irqchip: the PIT's IRQ 0 reaches IOAPIC pin 2. */
    private void setPcGsiRouting() {
        List<int[]> routes = new ArrayList<>(); // {gsi, chip, pin}
        for (int gsi = 0; gsi < 24; gsi++) {
            if (gsi < 16 && gsi != 2) {
                routes.add(new int[] {gsi, gsi < 8 ? KvmIoctl.IRQCHIP_PIC_MASTER : KvmIoctl.IRQCHIP_PIC_SLAVE, gsi % 8});
            }
            if (gsi == 0) {
                routes.add(new int[] {0, KvmIoctl.IRQCHIP_IOAPIC, 2});
            } else if (gsi != 2) {
                routes.add(new int[] {gsi, KvmIoctl.IRQCHIP_IOAPIC, gsi});
            }
        }
        Memory m = new Memory(8 + 48L * routes.size());
        m.clear();
        m.setInt(0, routes.size());
        for (int i = 0; i < routes.size(); i++) {
            long o = 8 + 48L * i;
            m.setInt(o, routes.get(i)[0]);
            m.setInt(o + 4, KvmIoctl.IRQ_ROUTING_IRQCHIP);
            m.setInt(o + 16, routes.get(i)[1]);
            m.setInt(o + 20, routes.get(i)[2]);
        }
        LibC.ioctl(vmFd, KvmIoctl.SET_GSI_ROUTING, m);
    }

    /** Unknown MSRs and the synthetic range exit to user space instead of KVM answering them itself. */
    private void enableUserSpaceMsrs() {
        if (!enableCap(KvmIoctl.CAP_X86_USER_SPACE_MSR, KvmIoctl.MSR_EXIT_REASON_UNKNOWN | KvmIoctl.MSR_EXIT_REASON_FILTER, false)) {
            return;
        }
        Memory bitmap = new Memory(SYNTHETIC_MSR_COUNT / 8);
        bitmap.clear(); // all zero: deny (= exit to user space) for the whole range
        Memory filter = new Memory(392);
        filter.clear();
        filter.setInt(0, 0); // default allow
        filter.setInt(8, 3); // range 0: read and write
        filter.setInt(12, SYNTHETIC_MSR_COUNT);
        filter.setInt(16, SYNTHETIC_MSR_BASE);
        filter.setPointer(24, bitmap);
        LibC.ioctl(vmFd, KvmIoctl.X86_SET_MSR_FILTER, filter);
    }

    private boolean enableCap(int cap, long arg0, boolean optional) {
        Memory m = new Memory(104);
        m.clear();
        m.setInt(0, cap);
        m.setLong(8, arg0);
        try {
            LibC.ioctl(vmFd, KvmIoctl.ENABLE_CAP, m);
            return true;
        } catch (LastErrorException e) {
            if (optional) {
                return false;
            }
            throw e;
        }
    }

    private KvmGuestMemory mapRam(List<MemoryRegion> regions) {
        Pointer[] bases = new Pointer[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegion r = regions.get(i);
            Pointer p = LibC.mmap(Pointer.NULL, r.size(), LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
            ramMappings.add(p);
            ramSizes.add(r.size());
            bases[i] = p;
            Memory slot = new Memory(32);
            slot.setInt(0, i);
            slot.setInt(4, 0);
            slot.setLong(8, r.base());
            slot.setLong(16, r.size());
            slot.setLong(24, Pointer.nativeValue(p));
            LibC.ioctl(vmFd, KvmIoctl.SET_USER_MEMORY_REGION, slot);
        }
        return new KvmGuestMemory(regions, bases);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public InterruptController interrupts() {
        return this;
    }

    @Override
    public int vpCount() {
        return vcpus.size();
    }

    @Override
    public VirtualProcessor vp(int index) {
        return vcpus.get(index);
    }

    @Override
    public long tscFrequencyHz() {
        return tscKhz * 1000;
    }

    /** KVM's in-kernel LAPIC timer counts at 1 GHz (APIC_BUS_CYCLE_NS = 1 in arch/x86/kvm/lapic.h). */
    @Override
    public long apicTimerFrequencyHz() {
        return 1_000_000_000L;
    }

    // readTsc() stays -1: the guest TSC is the host's scaled plus an offset KVM keeps; no cheap read from Java.

    @Override
    public List<CpuidEntry> baseCpuid(int vpIndex) {
        return backend.cpuModel().forVp(vpIndex);
    }

    @Override
    public synchronized void start(BootState boot, List<List<CpuidEntry>> cpuidPerVp) {
        if (closed) {
            throw new HypervisorException("partition " + name + " is closed");
        }
        try {
            for (KvmVcpu v : vcpus) {
                v.setCpuid(cpuidPerVp.get(v.index()), backend.cpuModel());
            }
            vcpus.get(0).setBootState(boot);
        } catch (LastErrorException e) {
            throw new HypervisorException("cannot set up the processors of " + name + ": " + LibC.describe(e));
        }
        for (KvmVcpu v : vcpus) {
            v.startThread("celadon-" + name + "-vcpu" + v.index(), exits);
        }
    }

    @Override
    public byte[] hypercallSequence() {
        return new byte[] {(byte) 0xE6, (byte) HYPERCALL_PORT}; // out %al, $HYPERCALL_PORT
    }

    @Override
    public void requestStop() {
        for (KvmVcpu v : vcpus) {
            v.kick();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        linesDead = true; // no IRQ_LINE or SIGNAL_MSI on a descriptor that is about to be closed (and reused)
        if (joinProcessors()) {
            release();
        }
    }

    @Override
    public void stopProcessors() {
        joinProcessors();
    }

    /** Stops and joins the vCPU threads; false if one would not stop (its resources are then left mapped). */
    private synchronized boolean joinProcessors() {
        if (processorsStopped) {
            return true;
        }
        requestStop();
        for (KvmVcpu v : vcpus) {
            Thread t = v.thread();
            if (t != null && t != Thread.currentThread()) {
                try {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (t.isAlive() && System.nanoTime() < deadline) {
                        v.kick(); // a kick may race the thread's first KVM_RUN; repeat until it is out
                        t.join(50);
                    }
                    if (t.isAlive()) {
                        LOG.error("partition {}: vCPU {} thread did not stop; leaving its resources mapped", name, v.index());
                        return false;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        processorsStopped = true;
        return true;
    }

    /** Unmaps and closes everything, in reverse order of creation. */
    private void release() {
        for (KvmVcpu v : vcpus) {
            try {
                LibC.munmap(v.run().p, v.run().size);
            } catch (LastErrorException e) {
                LOG.warn("munmap kvm_run: {}", LibC.describe(e));
            }
            try {
                LibC.close(v.fd());
            } catch (LastErrorException e) {
                LOG.warn("close vcpu fd: {}", LibC.describe(e));
            }
        }
        vcpus.clear();
        try {
            LibC.close(vmFd);
        } catch (LastErrorException e) {
            LOG.warn("close vm fd: {}", LibC.describe(e));
        }
        if (memory != null) {
            memory.markUnmapped();
        }
        for (int i = 0; i < ramMappings.size(); i++) {
            try {
                LibC.munmap(ramMappings.get(i), ramSizes.get(i));
            } catch (LastErrorException e) {
                LOG.warn("munmap guest RAM: {}", LibC.describe(e));
            }
        }
        ramMappings.clear();
    }

    @Override
    public Map<String, String> info() {
        return info;
    }

    // ---- InterruptController ----

    @Override
    public synchronized InterruptTopology topology() {
        if (topology == null) {
            // KVM's in-kernel irqchip: dual 8259s, one IOAPIC with 24 pins, APIC ID = VP index; the PIT on GSI 2.
            topology = InterruptTopology.pc(vcpus.size(), true);
        }
        return topology;
    }

    @Override
    public InterruptLine line(int gsi) {
        if (gsi < 0 || gsi >= 24) {
            throw new HypervisorException("GSI " + gsi + " does not exist: the KVM irqchip has GSIs 0-23");
        }
        return new InterruptLine() {
            @Override
            public void assertLine() {
                setIrqLine(gsi, true);
            }

            @Override
            public void deassertLine() {
                setIrqLine(gsi, false);
            }
        };
    }

    @Override
    public void deliver(int vpIndex, int vector, Runnable onEoi) {
        // A fixed, physical, edge MSI to the processor's APIC ID; KVM's in-kernel LAPIC reports no EOI to us.
        signalMsi(0xFEE0_0000L | ((long) vpIndex << 12), vector & 0xFF);
    }

    @Override
    public boolean notifiesEoi() {
        return false;
    }

    private void setIrqLine(int gsi, boolean asserted) {
        if (linesDead) {
            return;
        }
        Memory m = new Memory(8);
        m.setInt(0, gsi);
        m.setInt(4, asserted ? 1 : 0);
        LibC.ioctl(vmFd, KvmIoctl.IRQ_LINE, m);
    }

    @Override
    public void signalMsi(long address, int data) {
        if (linesDead) {
            return;
        }
        Memory m = new Memory(32);
        m.clear();
        m.setInt(0, (int) address);
        m.setInt(4, (int) (address >>> 32));
        m.setInt(8, data);
        LibC.ioctl(vmFd, KvmIoctl.SIGNAL_MSI, m);
    }
}
