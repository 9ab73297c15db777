package dev.celadon.loopback.internal;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionLimits;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.loopback.LoopbackGuest;
import dev.celadon.loopback.LoopbackPrograms;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * Partitions whose guest side is Java ({@link LoopbackGuest} programs), with real RAM and the core's whole
 * Hyper-V layer in front of them. Named "loopback"; its kind does not run guest code, so "auto" never picks it
 * (the preference, 1000, also lists it last). Also the {@link LoopbackPrograms} service: programs by partition
 * name.
 */
@Component(service = {HypervisorBackend.class, LoopbackPrograms.class}, property = {
        HypervisorBackend.NAME_PROPERTY + "=loopback", HypervisorBackend.PREFERENCE_PROPERTY + ":Integer=1000"})
public final class LoopbackBackend implements HypervisorBackend, LoopbackPrograms {

    public static final String NAME = "loopback";
    public static final int PREFERENCE = 1000;
    /** One thread per VP; 8-bit APIC IDs. */
    static final int MAX_VPS = 255;
    /** MAP_NORESERVE RAM: only what the program touches costs host memory. */
    static final long MAX_MEMORY = 1L << 40;

    private final Map<String, LoopbackGuest> programs = new ConcurrentHashMap<>();

    @Override
    public BackendInfo capabilities() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("guest", "Java programs (LoopbackGuest) assigned by partition name");
        details.put("interrupt-controllers", "a Java local APIC per VP (fixed vectors, MSIs, EOI reported); no IOAPIC, no PIC");
        return BackendInfo.available(NAME, BackendKind.LOOPBACK, new PartitionLimits(MAX_VPS, MAX_MEMORY), details);
    }

    @Override
    public BackendPartition createPartition(PartitionConfig config, ExitHandler exits) {
        capabilities().limits().check(NAME, config.vpCount(), config.memoryBytes());
        return new LoopbackPartition(config, exits, programs::get);
    }

    @Override
    public Registration assign(String partitionName, LoopbackGuest guest) {
        if (partitionName == null || partitionName.isBlank() || guest == null) {
            throw new HypervisorException("a loopback program needs a partition name and a guest");
        }
        LoopbackGuest old = programs.putIfAbsent(partitionName, guest);
        if (old != null) {
            throw new HypervisorException("partition " + partitionName + " already runs loopback program "
                    + old.getClass().getName());
        }
        return () -> programs.remove(partitionName, guest);
    }

    @Override
    public LoopbackGuest program(String partitionName) {
        return partitionName == null ? null : programs.get(partitionName);
    }
}
