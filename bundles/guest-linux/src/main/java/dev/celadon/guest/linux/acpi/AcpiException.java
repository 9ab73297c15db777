package dev.celadon.guest.linux.acpi;

import dev.celadon.hypervisor.api.HypervisorException;

/** A configuration the ACPI tables cannot describe (too many vCPUs, an image too large for its region). */
public class AcpiException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public AcpiException(String message) {
        super(message);
    }
}
