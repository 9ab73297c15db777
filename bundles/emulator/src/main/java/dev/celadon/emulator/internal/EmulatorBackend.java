package dev.celadon.emulator.internal;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionLimits;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Partitions on Celadon's x86-64 system emulator: needs nothing from the host kernel, so it runs wherever Java
 * does — hosts without /dev/kvm (our build machines), containers, CI. "auto" prefers KVM where it is usable.
 */
@Component(service = HypervisorBackend.class, property = {HypervisorBackend.NAME_PROPERTY + "=emulator",
        HypervisorBackend.PREFERENCE_PROPERTY + ":Integer=50"})
public final class EmulatorBackend implements HypervisorBackend {

    public static final String NAME = "emulator";
    /** One Java thread per vCPU; 8-bit APIC IDs. */
    static final int MAX_VPS = 255;
    /** Guest RAM is an anonymous MAP_NORESERVE mapping: only what the guest touches costs host memory. */
    static final long MAX_MEMORY = 1L << 40;

    @Override
    public BackendInfo capabilities() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("cpu-model", CpuModel.DESCRIPTION);
        details.put("tsc-hz", Long.toString(VirtualClock.TSC_HZ));
        details.put("interrupt-controllers", "local APIC per vCPU (xAPIC and x2APIC), one IOAPIC; no PIC, no PIT");
        return BackendInfo.available(NAME, BackendKind.EMULATOR, new PartitionLimits(MAX_VPS, MAX_MEMORY), details);
    }

    @Override
    public BackendPartition createPartition(PartitionConfig config, ExitHandler exits) {
        capabilities().limits().check(NAME, config.vpCount(), config.memoryBytes());
        return new EmulatorPartition(config, exits);
    }
}
