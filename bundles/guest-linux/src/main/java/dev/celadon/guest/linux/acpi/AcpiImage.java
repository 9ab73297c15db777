package dev.celadon.guest.linux.acpi;

/**
 * All tables laid out contiguously, to be copied into guest memory at {@code baseAddress}.
 *
 * @param rsdpAddress where the RSDP lands (= baseAddress); give it to the loader as the RSDP pointer
 */
public record AcpiImage(long baseAddress, byte[] bytes, long rsdpAddress) {
    /** The guest-physical range the image occupies. */
    public long end() {
        return baseAddress + bytes.length;
    }
}
