/**
 * ACPI tables for Linux guests: RSDP, XSDT, a hardware-reduced FADT, the MADT and a DSDT built from
 * {@link dev.celadon.guest.linux.acpi.AcpiDevice}s with the small {@link dev.celadon.guest.linux.acpi.Aml} builder.
 */
@org.osgi.annotation.versioning.Version("2.1.1")
package dev.celadon.guest.linux.acpi;
