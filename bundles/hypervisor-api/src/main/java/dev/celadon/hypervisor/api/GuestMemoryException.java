package dev.celadon.hypervisor.api;

/** An access to guest-physical memory outside the partition's RAM (a guest-supplied address is never trusted). */
public class GuestMemoryException extends HypervisorException {
    private static final long serialVersionUID = 1L;
    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length) {
        super(String.format("guest-physical range 0x%x+0x%x is not RAM of this partition", address, length));
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
