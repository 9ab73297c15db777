package dev.celadon.hypervisor.api;

/**
 * One virtual processor of a partition. Register access is valid only on the processor's own thread, inside an
 * intercept handler; changes take effect when the handler returns.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface VirtualProcessor {

    long EFER_LMA = 1L << 10;

    /** 0-based index; also the processor's APIC ID and its Hyper-V VP index. */
    int index();

    long register(Register register);

    void setRegister(Register register, long value);

    SegmentState segment(Segment segment);

    /** The current privilege level (CS.RPL, which equals SS.DPL outside transitions). */
    default int cpl() {
        return segment(Segment.CS).selector() & 3;
    }

    /** 64-bit mode: EFER.LMA with CS.L (compatibility mode is not 64-bit). */
    default boolean in64BitMode() {
        return (register(Register.EFER) & EFER_LMA) != 0 && segment(Segment.CS).longMode();
    }
}
