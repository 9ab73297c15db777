package dev.celadon.guest.linux.acpi;

/** A device described in the DSDT; it writes its Device() object into the \_SB scope it is given. */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface AcpiDevice {
    void writeAml(Aml aml);
}
