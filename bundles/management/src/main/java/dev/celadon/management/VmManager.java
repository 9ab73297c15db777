package dev.celadon.management;

import java.util.List;
import java.util.Map;

/** The management service: define, run and inspect VMs. Every method throws {@link VmException} with a reason. */
public interface VmManager {

    /** Validates and stores a new definition; the VM is not started. */
    VmInfo create(VmDefinition definition);

    List<VmInfo> list();

    VmInfo info(String name);

    /** Boots the VM; returns once its processors run (or it failed to start, with the reason). */
    VmInfo start(String name);

    /** Powers the VM off; returns once its resources are released. */
    VmInfo stop(String name);

    /** Removes the definition; a running VM is refused unless {@code force}, which stops it first. */
    void delete(String name, boolean force);

    /** The console of a VM that is running or has run since Celadon started. */
    VmConsole console(String name);

    /** Images {@code --image} accepts by name (micro-guests and {@code linux}). */
    List<String> imageNames();

    /** What --backend accepts: {@code auto} and the name of every backend present. */
    List<String> backendNames();

    /** Host and backend facts: backend, virtualization (hardware-assisted or software-nested), limits. */
    Map<String, String> hostInfo();

    /** Definitions that could not be loaded at start-up (corrupt JSON...), by file, with the reason. */
    Map<String, String> loadProblems();
}
