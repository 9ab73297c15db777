package dev.celadon.emulator.internal;

import dev.celadon.chipset.ApicAccessException;
import dev.celadon.chipset.ApicBus;
import dev.celadon.chipset.ApicRegisters;
import dev.celadon.chipset.LocalApic;
import dev.celadon.chipset.IoApic;
import dev.celadon.emulator.cpu.PhysicalMemory;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.InterruptLine;
import dev.celadon.hypervisor.api.InterruptTopology;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.backend.LocalApicAccess;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition on the emulator: guest RAM, one {@link EmulatedProcessor} (a Java thread) per vCPU, the Java
 * chipset (a local APIC each, one IOAPIC: no PIC, no PIT), and a timer thread that wakes running processors when
 * their APIC timer expires. Torn down in phases: processors, then (by the core) devices, then memory.
 */
final class EmulatorPartition implements BackendPartition, InterruptController {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatorPartition.class);
    /** VMCALL: the emulator traps it directly (Intel's encoding; VMMCALL traps too). */
    static final byte[] VMCALL = {0x0F, 0x01, (byte) 0xC1};

    private final String name;
    private final GuestRam ram;
    private final PhysicalMemory physical;
    private final VirtualClock clock = new VirtualClock();
    private final ApicBus bus;
    private final IoApic ioApic;
    private final InterruptTopology topology;
    private final List<EmulatedProcessor> vps = new ArrayList<>();
    private final Map<String, String> info = new LinkedHashMap<>();
    private final Thread timerThread;
    private volatile boolean stopping;
    private boolean started;
    private boolean processorsStopped;
    private boolean closed;

    EmulatorPartition(PartitionConfig config, ExitHandler exits) {
        this.name = config.name();
        this.ram = new GuestRam(config.layout().ram());
        List<PhysicalMemory.Region> regions = new ArrayList<>();
        for (GuestRam.Piece p : ram.pieces()) {
            regions.add(new PhysicalMemory.Region(p.base(), p.buffer()));
        }
        this.physical = new PhysicalMemory(regions);
        ram.attach(physical);
        this.topology = topology(config.vpCount());
        this.bus = new ApicBus(clock, VirtualClock.APIC_TIMER_HZ);
        for (int i = 0; i < config.vpCount(); i++) {
            vps.add(new EmulatedProcessor(this, i, exits));
        }
        InterruptTopology.IoApic io = topology.ioApics().get(0);
        this.ioApic = new IoApic(bus, io.id(), io.address(), io.gsiBase());
        this.timerThread = new Thread(this::timerLoop, "celadon-" + name + "-apic-timer");
        this.timerThread.setDaemon(true);
        info.put("cpu-model", CpuModel.DESCRIPTION);
        info.put("tsc-hz", Long.toString(VirtualClock.TSC_HZ));
    }

    /**
     * The PC layout without 8259s: APIC ID = VP index, one 24-pin IOAPIC at GSI 0, IRQ0 on GSI 2. IOAPIC IDs are 4
     * bits; the ID after the last processor's where it fits (as KVM and QEMU number them), else 0.
     */
    static InterruptTopology topology(int vpCount) {
        InterruptTopology pc = InterruptTopology.pc(vpCount, false);
        InterruptTopology.IoApic io = pc.ioApics().get(0);
        int id = vpCount < 16 ? vpCount : 0;
        return new InterruptTopology(pc.localApicAddress(), pc.apicIds(),
                java.util.List.of(new InterruptTopology.IoApic(id, io.address(), io.gsiBase(), io.pins())),
                pc.overrides(), false);
    }

    String name() {
        return name;
    }

    PhysicalMemory physical() {
        return physical;
    }

    VirtualClock clock() {
        return clock;
    }

    ApicBus bus() {
        return bus;
    }

    IoApic ioApic() {
        return ioApic;
    }

    boolean stopping() {
        return stopping;
    }

    /** A vCPU programmed its APIC timer: the timer thread recomputes its next wake-up. */
    void timerChanged() {
        LockSupport.unpark(timerThread);
    }

    @Override
    public GuestMemory memory() {
        return ram;
    }

    @Override
    public InterruptController interrupts() {
        return this;
    }

    @Override
    public int vpCount() {
        return vps.size();
    }

    @Override
    public VirtualProcessor vp(int index) {
        return vps.get(index);
    }

    @Override
    public List<CpuidEntry> baseCpuid(int vpIndex) {
        return CpuModel.entries(vpIndex, vps.size());
    }

    @Override
    public byte[] hypercallSequence() {
        return VMCALL.clone();
    }

    @Override
    public synchronized void start(BootState boot, List<List<CpuidEntry>> cpuidPerVp) {
        if (closed || started) {
            throw new HypervisorException("partition " + name + " cannot start twice");
        }
        started = true;
        for (EmulatedProcessor vp : vps) {
            vp.setCpuid(cpuidPerVp.get(vp.index()));
        }
        vps.get(0).setBootState(boot);
        timerThread.start();
        for (EmulatedProcessor vp : vps) {
            vp.startThread();
        }
    }

    /** Sleeps until the earliest APIC timer deadline, then makes the processors concerned look at their timer. */
    private void timerLoop() {
        while (!stopping) {
            long now = clock.nanos();
            long next = Long.MAX_VALUE;
            for (EmulatedProcessor vp : vps) {
                long d = vp.apic().nextTimerDeadlineNanos();
                if (d <= now) {
                    vp.timerDue();
                } else {
                    next = Math.min(next, d);
                }
            }
            long sleep = next == Long.MAX_VALUE ? 100_000_000L : Math.min(next - now, 100_000_000L);
            LockSupport.parkNanos(this, Math.max(sleep, 50_000L));
        }
    }

    @Override
    public void requestStop() {
        stopping = true;
        for (EmulatedProcessor vp : vps) {
            vp.requestStop();
        }
        LockSupport.unpark(timerThread);
    }

    @Override
    public synchronized void stopProcessors() {
        if (processorsStopped) {
            return;
        }
        requestStop();
        boolean all = true;
        for (EmulatedProcessor vp : vps) {
            all &= vp.join(10_000);
        }
        try {
            if (timerThread.isAlive()) {
                timerThread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!all) {
            LOG.error("partition {}: a vCPU thread did not stop within 10 s", name);
        }
        processorsStopped = all;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopProcessors();
        if (!processorsStopped) {
            LOG.error("partition {}: leaving guest RAM mapped because a vCPU thread is still running", name);
            return; // unmapping under a running vCPU would crash the JVM
        }
        ram.close();
    }

    @Override
    public Map<String, String> info() {
        Map<String, String> m = new LinkedHashMap<>(info);
        long retired = 0;
        long undefined = 0;
        for (EmulatedProcessor vp : vps) {
            retired += vp.cpu().instructionsRetired();
            undefined += vp.unimplementedCount();
        }
        m.put("instructions-retired", Long.toString(retired));
        m.put("unimplemented-opcodes", Long.toString(undefined));
        m.put("tier", vps.isEmpty() ? "?" : vps.get(0).cpu().tier().name().toLowerCase(java.util.Locale.ROOT));
        String translations = vps.isEmpty() ? "" : vps.get(0).cpu().translationStatistics();
        if (!translations.isEmpty()) {
            m.put("translations-vcpu0", translations); // vm:info: what the second tier did on the boot processor
        }
        return m;
    }

    @Override
    public long tscFrequencyHz() {
        return VirtualClock.TSC_HZ;
    }

    @Override
    public long apicTimerFrequencyHz() {
        return VirtualClock.APIC_TIMER_HZ;
    }

    /** The one clock every vCPU's RDTSC reads, so the host sees exactly the guest's TSC. */
    @Override
    public long readTsc() {
        return clock.tsc();
    }

    /** The Java local APICs are reachable from any MSR exit: the Hyper-V APIC access MSRs map onto them. */
    @Override
    public Optional<LocalApicAccess> localApic() {
        return Optional.of(new LocalApicAccess() {
            @Override
            public void eoi(int vp) {
                apic(vp).eoi();
            }

            @Override
            public int tpr(int vp) {
                return apic(vp).tpr();
            }

            @Override
            public void setTpr(int vp, int tpr) {
                apic(vp).setTpr(tpr);
            }

            @Override
            public long icr(int vp) {
                LocalApic a = apic(vp);
                if (a.x2apicMode()) {
                    return gp(() -> a.readMsr(ApicRegisters.msr(ApicRegisters.ICR_LOW)));
                }
                return a.mmioRead(ApicRegisters.ICR_LOW, 4) & 0xFFFF_FFFFL
                        | (a.mmioRead(ApicRegisters.ICR_HIGH, 4) & 0xFFFF_FFFFL) << 32;
            }

            @Override
            public void writeIcr(int vp, long icr) {
                LocalApic a = apic(vp);
                if (a.x2apicMode()) {
                    gp(() -> {
                        a.writeMsr(ApicRegisters.msr(ApicRegisters.ICR_LOW), icr);
                        return 0;
                    });
                    return;
                }
                a.mmioWrite(ApicRegisters.ICR_HIGH, 4, icr >>> 32); // the high word first: the low write sends
                a.mmioWrite(ApicRegisters.ICR_LOW, 4, icr & 0xFFFF_FFFFL);
            }

            private LocalApic apic(int vp) {
                if (vp < 0 || vp >= vps.size()) {
                    throw new HypervisorException("no virtual processor " + vp);
                }
                return vps.get(vp).apic();
            }

            private long gp(java.util.function.LongSupplier op) {
                try {
                    return op.getAsLong();
                } catch (ApicAccessException e) {
                    throw new GeneralProtectionFault(e.getMessage());
                }
            }
        });
    }

    // ---- InterruptController ----

    @Override
    public InterruptTopology topology() {
        return topology;
    }

    @Override
    public InterruptLine line(int gsi) {
        if (gsi < 0 || gsi >= ioApic.pins()) {
            throw new HypervisorException("GSI " + gsi + " does not exist: the emulator's IOAPIC has GSIs 0-"
                    + (ioApic.pins() - 1));
        }
        dev.celadon.chipset.InterruptLine pin = ioApic.line(gsi);
        return new InterruptLine() {
            @Override
            public void assertLine() {
                if (!closed) {
                    pin.assertLine();
                }
            }

            @Override
            public void deassertLine() {
                if (!closed) {
                    pin.deassertLine();
                }
            }
        };
    }

    @Override
    public void signalMsi(long address, int data) {
        bus.deliverMsi(address, data);
    }

    @Override
    public void deliver(int vpIndex, int vector, Runnable onEoi) {
        bus.deliver(vpIndex, vector, false, onEoi);
    }

    @Override
    public boolean notifiesEoi() {
        return true;
    }
}
