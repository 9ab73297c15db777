package dev.celadon.hypervisor.api.hyperv;

/**
 * HV_X64_MSR_GUEST_OS_ID decoded. Bit 63 chooses between two TLFS layouts:
 * <ul>
 * <li>open source (bit 63 set): OS type 62:56 (1 = Linux, 2 = FreeBSD, 3 = Xen, 4 = Illumos), OS id 55:48,
 * version 47:16 (Linux puts LINUX_VERSION_CODE there), build 15:0;</li>
 * <li>proprietary (bit 63 clear): vendor 62:48 (1 = Microsoft), OS id 47:40, major 39:32, minor 31:24,
 * service version 23:16, build 15:0.</li>
 * </ul>
 * Zero means "no guest OS identified": the hypercall page cannot be enabled then.
 */
public record GuestOsId(long raw) {

    public static final GuestOsId NONE = new GuestOsId(0);

    public boolean identified() {
        return raw != 0;
    }

    public boolean openSource() {
        return raw < 0;
    }

    /** Open source: OS type (bits 62:56). Proprietary: vendor (bits 62:48). */
    public int vendorOrType() {
        return openSource() ? (int) (raw >>> 56) & 0x7F : (int) (raw >>> 48) & 0x7FFF;
    }

    /** Open source: bits 55:48; proprietary: bits 47:40. */
    public int osId() {
        return openSource() ? (int) (raw >>> 48) & 0xFF : (int) (raw >>> 40) & 0xFF;
    }

    /** Open source: the 32-bit version field (bits 47:16). */
    public long version() {
        return (raw >>> 16) & 0xFFFF_FFFFL;
    }

    public int build() {
        return (int) raw & 0xFFFF;
    }

    /** A one-line description, as operators see it. */
    public String describe() {
        if (!identified()) {
            return "none";
        }
        if (openSource()) {
            String type = switch (vendorOrType()) {
                case 1 -> "Linux";
                case 2 -> "FreeBSD";
                case 3 -> "Xen";
                case 4 -> "Illumos";
                default -> "open-source OS type " + vendorOrType();
            };
            long v = version();
            String ver = vendorOrType() == 1 // LINUX_VERSION_CODE: (major << 16) | (minor << 8) | patch
                    ? (v >> 16) + "." + ((v >> 8) & 0xFF) + "." + (v & 0xFF) : "0x" + Long.toHexString(v);
            return String.format("%s %s (os id %d, build %d)", type, ver, osId(), build());
        }
        String vendor = vendorOrType() == 1 ? "Microsoft" : "vendor " + vendorOrType();
        return String.format("%s os %d version %d.%d sp %d build %d", vendor, osId(), (raw >>> 32) & 0xFF,
                (raw >>> 24) & 0xFF, (raw >>> 16) & 0xFF, build());
    }

    @Override
    public String toString() {
        return String.format("0x%016x (%s)", raw, describe());
    }
}
