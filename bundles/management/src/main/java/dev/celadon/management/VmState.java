package dev.celadon.management;

/** A VM's life cycle as operators see it. */
public enum VmState {
    /** Defined, never started since the host (or Celadon) started. */
    DEFINED,
    /** Loading its image and creating its partition. */
    STARTING,
    RUNNING,
    /** Powered off. */
    STOPPED,
    /** Ended by an error; {@link VmInfo#failureReason()} says which. */
    FAILED;

    public boolean isActive() {
        return this == STARTING || this == RUNNING;
    }
}
