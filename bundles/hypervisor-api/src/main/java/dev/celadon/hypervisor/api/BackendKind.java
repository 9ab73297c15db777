package dev.celadon.hypervisor.api;

/** What kind of machine a backend runs guests on; operators see it in vm:info, and "auto" picks by it. */
public enum BackendKind {
    /** Linux KVM with VT-x or AMD-V: guest code runs natively. */
    HARDWARE_KVM("hardware-assisted KVM"),
    /** KVM on a host that is itself a guest without hardware nesting (kvm_pvm): privileged code is emulated by KVM. */
    SOFTWARE_NESTED_KVM("software-nested KVM"),
    /** Celadon's x86-64 system emulator in Java: needs nothing from the host kernel. */
    EMULATOR("emulator"),
    /** The guest side is Java code speaking the guest protocols: tests, fuzzing, the SDK kit. */
    LOOPBACK("loopback");

    private final String description;

    BackendKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Runs real x86 guest code (loopback does not). */
    public boolean runsGuestCode() {
        return this != LOOPBACK;
    }
}
