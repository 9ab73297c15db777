package dev.celadon.management;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** The management service: define, run and inspect VMs. Every method throws {@link VmException} with a reason. */
@ProviderType
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

    /**
     * Adds a disk to a VM's definition (checked as at create: the file exists, is readable, writable unless
     * read-only, not already a disk of this VM, and a disk provider can open it). On a running VM it is also opened
     * and offered to the guest at once (hot add); if that fails the definition is unchanged.
     */
    VmInfo attachDisk(String name, VmDefinition.Disk disk);

    /**
     * Removes a disk from a VM's definition; {@code disk} is its file (as given or as shown by vm:info) or its
     * index (0, 1, ...). On a running VM it is also rescinded from the guest and closed (hot remove).
     */
    VmInfo detachDisk(String name, String disk);

    /**
     * The VMBus channels of a running VM, by relid: each channel's state, rings and counters as its VMBus server
     * sees them now, and the description of the device serving it.
     *
     * @throws VmException if there is no such VM, it is not running, or it runs without a VMBus server
     */
    List<VmChannel> channels(String name);

    /** The console of a VM that is running or has run since Celadon started. */
    VmConsole console(String name);

    /** Images {@code --image} accepts by name (micro-guests and {@code linux}). */
    List<String> imageNames();

    /** What --backend accepts: {@code auto} and the name of every backend present. */
    List<String> backendNames();

    /** The guest packs present ({@code vm:create --guest}), sorted; {@code linux} is the default. */
    default List<String> guestPacks() {
        return List.of(VmDefinition.GUEST_DEFAULT);
    }

    /** Host and backend facts: backend, virtualization (hardware-assisted or software-nested), limits. */
    Map<String, String> hostInfo();

    /** Definitions that could not be loaded at start-up (corrupt JSON...), by file, with the reason. */
    Map<String, String> loadProblems();
}
