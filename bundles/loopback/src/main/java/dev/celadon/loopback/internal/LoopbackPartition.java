package dev.celadon.loopback.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.InterruptLine;
import dev.celadon.hypervisor.api.InterruptTopology;
import dev.celadon.hypervisor.api.MemoryLayout;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.loopback.LoopbackGuest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loopback partition: real guest RAM, one {@link LoopbackProcessor} (a thread running the partition's
 * {@link LoopbackGuest}) per VP, and a local APIC per VP as the whole interrupt hardware: fixed vectors through
 * {@link #deliver} and MSIs; no IOAPIC and no PIC, so there are no interrupt lines. The boot state is not used
 * (there is no instruction stream to enter); the program is looked up by partition name when it starts.
 */
final class LoopbackPartition implements BackendPartition, InterruptController {

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackPartition.class);
    /** The "instruction" the hypercall page holds: VMCALL, as on the emulator. A loopback guest never executes it. */
    static final byte[] VMCALL = {0x0F, 0x01, (byte) 0xC1};
    static final String VENDOR = "CeladonLoopb";

    private final String name;
    private final LoopbackRam ram;
    private final List<LoopbackProcessor> vps = new ArrayList<>();
    private final InterruptTopology topology;
    private final Function<String, LoopbackGuest> programs;
    private volatile String program = "none";
    private boolean started;
    private boolean processorsStopped;
    private volatile boolean closed;

    LoopbackPartition(PartitionConfig config, ExitHandler exits, Function<String, LoopbackGuest> programs) {
        this.name = config.name();
        this.programs = programs;
        this.ram = new LoopbackRam(config.layout().ram());
        for (int i = 0; i < config.vpCount(); i++) {
            vps.add(new LoopbackProcessor(this, i, exits));
        }
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < config.vpCount(); i++) {
            ids.add(i);
        }
        this.topology = new InterruptTopology(MemoryLayout.LAPIC_BASE, ids, List.of(), List.of(), false);
    }

    String name() {
        return name;
    }

    LoopbackRam ram() {
        return ram;
    }

    LoopbackProcessor processor(int index) {
        return vps.get(index);
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

    /**
     * A small CPU model: vendor "CeladonLoopb", max basic leaf 1 with the hypervisor bit (CPUID.1:ECX[31]) and the
     * APIC ID in EBX[31:24]; long mode in 0x80000001. The core layers the Hyper-V leaves over it.
     */
    @Override
    public List<CpuidEntry> baseCpuid(int vpIndex) {
        ByteBuffer v = ByteBuffer.wrap(VENDOR.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN);
        return List.of(
                entry(0, 1, v.getInt(0), v.getInt(8), v.getInt(4)),
                entry(1, 0x0006_0F01, vpIndex << 24 | Math.min(vps.size(), 255) << 16, 1 << 31, 1 << 9 | 1 << 5),
                entry(0x8000_0000, 0x8000_0001, 0, 0, 0),
                entry(0x8000_0001, 0, 0, 0, 1 << 29));
    }

    private static CpuidEntry entry(int leaf, int a, int b, int c, int d) {
        return new CpuidEntry(new CpuidLeaf(leaf, 0), new CpuidResult(a, b, c, d));
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
        LoopbackGuest guest = programs.apply(name);
        if (guest == null) {
            throw new HypervisorException("no loopback guest program is assigned to partition " + name
                    + " (LoopbackPrograms.assign)");
        }
        started = true;
        program = guest.getClass().getName();
        for (LoopbackProcessor vp : vps) {
            vp.setCpuid(cpuidPerVp.get(vp.index()));
        }
        for (LoopbackProcessor vp : vps) {
            vp.start(guest);
        }
    }

    @Override
    public void requestStop() {
        for (LoopbackProcessor vp : vps) {
            vp.requestStop();
        }
    }

    @Override
    public synchronized void stopProcessors() {
        if (processorsStopped) {
            return;
        }
        requestStop();
        boolean all = true;
        for (LoopbackProcessor vp : vps) {
            all &= vp.join(10_000);
        }
        if (!all) {
            LOG.error("partition {}: a loopback VP thread did not stop within 10 s", name);
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
            LOG.error("partition {}: leaving guest RAM mapped because a VP thread still runs", name);
            return; // unmapping under a running thread would crash the JVM
        }
        ram.close();
    }

    @Override
    public Map<String, String> info() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("guest-program", program);
        long calls = 0;
        long msrs = 0;
        for (LoopbackProcessor vp : vps) {
            calls += vp.hypercallCount();
            msrs += vp.msrExitCount();
        }
        m.put("hypercalls", Long.toString(calls));
        m.put("msr-exits", Long.toString(msrs));
        return m;
    }

    // ---- InterruptController ----

    @Override
    public InterruptTopology topology() {
        return topology;
    }

    @Override
    public InterruptLine line(int gsi) {
        throw new HypervisorException("GSI " + gsi + " does not exist: a loopback partition has no IOAPIC"
                + " (devices interrupt it through the SynIC or MSIs)");
    }

    /** x86 MSI: destination APIC ID in address bits 19:12, vector in data bits 7:0; fixed delivery only. */
    @Override
    public void signalMsi(long address, int data) {
        if ((address & 0xFFF0_0000L) != MemoryLayout.LAPIC_BASE) {
            return; // not an MSI address: the write goes nowhere, as on a PC
        }
        int dest = (int) (address >>> 12) & 0xFF;
        int mode = data >>> 8 & 7;
        if (dest < vps.size() && mode == 0 && !closed) {
            vps.get(dest).apic().request(data & 0xFF, null);
        }
    }

    @Override
    public void deliver(int vpIndex, int vector, Runnable onEoi) {
        if (vpIndex < 0 || vpIndex >= vps.size()) {
            throw new HypervisorException("no virtual processor " + vpIndex + " in partition " + name);
        }
        if (!closed) {
            vps.get(vpIndex).apic().request(vector, onEoi);
        }
    }

    @Override
    public boolean notifiesEoi() {
        return true;
    }
}
