package dev.celadon.kvm.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.InterruptController;
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
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        release();
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
    public void setIrqLine(int gsi, boolean asserted) {
        Memory m = new Memory(8);
        m.setInt(0, gsi);
        m.setInt(4, asserted ? 1 : 0);
        LibC.ioctl(vmFd, KvmIoctl.IRQ_LINE, m);
    }

    @Override
    public void signalMsi(long address, int data) {
        Memory m = new Memory(32);
        m.clear();
        m.setInt(0, (int) address);
        m.setInt(4, (int) (address >>> 32));
        m.setInt(8, data);
        LibC.ioctl(vmFd, KvmIoctl.SIGNAL_MSI, m);
    }
}
