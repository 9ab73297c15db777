package dev.celadon.hypervisor.api.hyperv;

import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The Hyper-V interface of one partition, installed by the core when the partition is created: synthetic MSRs,
 * the hypercall page, the hypercall dispatcher and a SynIC per virtual processor.
 */
@ProviderType
public interface HvPartition {

    /** Connection ids are 24 bits (HV_CONNECTION_ID). */
    int MAX_CONNECTION_ID = 0xFF_FFFF;
    int SINT_COUNT = 16;
    /** Event flags per SINT in the SIEFP page: 256 bytes of bits. */
    int EVENT_FLAGS_PER_SINT = 2048;

    /**
     * Routes HvPostMessage/HvSignalEvent for {@code connectionId} to {@code handler} until the registration is
     * closed. Ids not registered answer HV_STATUS_INVALID_CONNECTION_ID.
     *
     * @throws dev.celadon.hypervisor.api.HypervisorException if the id is out of range or already taken
     */
    Registration connect(int connectionId, ConnectionHandler handler);

    /** Posts {@code message} into SINT {@code sint} of processor {@code vpIndex} (queued while the slot is busy). */
    PostResult post(int vpIndex, int sint, SynicMessage message);

    /** Sets event flag {@code flag} of SINT {@code sint} on processor {@code vpIndex}; interrupts if it was clear. */
    PostResult signalEvent(int vpIndex, int sint, int flag);

    /** What the guest wrote to HV_X64_MSR_GUEST_OS_ID (last write; NONE before). */
    GuestOsId guestOsId();

    /** The guest-physical address of the enabled hypercall page, or -1. */
    long hypercallPage();

    /**
     * Calls the core's dispatcher answered so far on processor {@code vpIndex} (HvPostMessage, HvSignalEvent,
     * HvNotifyLongSpinWait), refused ones included.
     */
    long hypercallCount(int vpIndex);

    /** The features of the enlightenments applied when this partition was created (fixed for its life). */
    default List<String> enlightenments() {
        return List.of();
    }

    /** The guest pack whose profile this partition was created with. */
    default String guestPack() {
        return "linux";
    }

    /**
     * The Hyper-V CPUID words this partition's guest reads, as one line: {@code features=0x.. privileges=0x..
     * misc=0x.. recommendations=0x.. spinlock-retries=0x..} (leaf 0x40000003 EAX, EBX, EDX; 0x40000004 EAX, EBX).
     */
    default String advertised() {
        return "";
    }

    /**
     * What the guest pack asked for and the core withheld because nothing implements it on this partition, e.g.
     * {@code 0x40000004.EAX 0x416}; empty if nothing was.
     */
    default String withheld() {
        return "";
    }

    /** HvNotifyLongSpinWait calls answered on this partition (a guest whose spinlock retry count is not 0xFFFFFFFF). */
    default long spinWaitNotifications() {
        return 0;
    }
}
