package dev.celadon.guest.loopback.internal;

import dev.celadon.guest.loopback.StorageIoProgram;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.loopback.LoopbackPrograms;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programs this bundle assigned to loopback partitions, by VM name. Deactivation (the bundle stopping, or the
 * loopback backend leaving) withdraws every assignment, so the backend holds no class of a stopped bundle; a VM
 * still running keeps its program object until it stops.
 */
@Component(service = ProgramAssignments.class)
public final class ProgramAssignments {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramAssignments.class);
    /** The programs there are, by the name loopback:assign takes. */
    public static final List<String> PROGRAMS = List.of(StorageIoProgram.NAME);

    private record Assigned(StorageIoProgram program, Registration registration) {
    }

    private final LoopbackPrograms programs;
    private final Map<String, Assigned> assigned = new ConcurrentSkipListMap<>();

    @Activate
    public ProgramAssignments(@Reference LoopbackPrograms programs) {
        this.programs = programs;
    }

    /**
     * Assigns program {@code name} to the VM {@code vm} (its partition has the VM's name).
     *
     * @throws IllegalArgumentException for an unknown program, a name already assigned, or a refusal
     */
    public synchronized StorageIoProgram assign(String vm, String name) {
        if (!PROGRAMS.contains(name)) {
            throw new IllegalArgumentException("no loopback program named '" + name + "'; programs: "
                    + String.join(", ", PROGRAMS));
        }
        if (assigned.containsKey(vm)) {
            throw new IllegalArgumentException("VM " + vm + " already has program " + StorageIoProgram.NAME
                    + " (loopback:unassign " + vm + " first)");
        }
        StorageIoProgram p = new StorageIoProgram();
        try {
            assigned.put(vm, new Assigned(p, programs.assign(vm, p)));
        } catch (HypervisorException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        LOG.info("loopback program {} assigned to {}", name, vm);
        return p;
    }

    /** @return false if {@code vm} had no program of ours */
    public synchronized boolean unassign(String vm) {
        Assigned a = assigned.remove(vm);
        if (a == null) {
            return false;
        }
        a.registration.close();
        return true;
    }

    public StorageIoProgram program(String vm) {
        Assigned a = assigned.get(vm);
        return a == null ? null : a.program;
    }

    public List<String> vms() {
        return List.copyOf(assigned.keySet());
    }

    @Deactivate
    public synchronized void deactivate() {
        assigned.values().forEach(a -> a.registration.close());
        assigned.clear();
    }
}
