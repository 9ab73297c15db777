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

    /** Proprietary layout: major version (bits 39:32). */
    public int majorVersion() {
        return (int) (raw >>> 32) & 0xFF;
    }

    /** Proprietary layout: minor version (bits 31:24). */
    public int minorVersion() {
        return (int) (raw >>> 24) & 0xFF;
    }

    /** Proprietary layout: service version (bits 23:16), the service pack on older Windows. */
    public int serviceVersion() {
        return (int) (raw >>> 16) & 0xFF;
    }

    /** Whether this is the proprietary layout with vendor 1, Microsoft. */
    public boolean microsoft() {
        return identified() && !openSource() && vendorOrType() == 1;
    }

    /**
     * The operating system a Microsoft guest OS ID names: the OS id (TLFS: 1 MS-DOS, 2 Windows 3.x, 3 Windows 9x,
     * 4 Windows NT and derivatives, 5 Windows CE) and, for Windows NT, the release its version and build number
     * belong to (6.0 Vista, 6.1 7, 6.2 8, 6.3 8.1 and their servers; 10.0 by build: 14393 Server 2016, 17763
     * Server 2019, 20348 Server 2022, 22000 and later Windows 11, 26100 also Server 2025). Empty otherwise.
     */
    public String windowsRelease() {
        if (!microsoft()) {
            return "";
        }
        return switch (osId()) {
            case 1 -> "MS-DOS";
            case 2 -> "Windows 3.x";
            case 3 -> "Windows 9x";
            case 4 -> "Windows NT " + majorVersion() + "." + minorVersion() + ntRelease();
            case 5 -> "Windows CE";
            default -> "os id " + osId();
        };
    }

    private String ntRelease() {
        int v = majorVersion() << 8 | minorVersion();
        int b = build();
        String r = switch (v) {
            case 0x0600 -> "Windows Vista / Server 2008";
            case 0x0601 -> "Windows 7 / Server 2008 R2";
            case 0x0602 -> "Windows 8 / Server 2012";
            case 0x0603 -> "Windows 8.1 / Server 2012 R2";
            case 0x0A00 -> b >= 26100 ? "Windows 11 24H2 / Server 2025" : b >= 22000 ? "Windows 11"
                    : b == 20348 ? "Windows Server 2022" : b == 17763 ? "Windows 10 1809 / Server 2019"
                    : b == 14393 ? "Windows 10 1607 / Server 2016" : "Windows 10";
            default -> "";
        };
        return r.isEmpty() ? "" : " (" + r + ")";
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
        if (microsoft()) {
            return String.format("Microsoft %s sp %d build %d (os id %d)", windowsRelease(), serviceVersion(), build(),
                    osId());
        }
        return String.format("vendor %d os %d version %d.%d sp %d build %d", vendorOrType(), osId(), majorVersion(),
                minorVersion(), serviceVersion(), build());
    }

    @Override
    public String toString() {
        return String.format("0x%016x (%s)", raw, describe());
    }
}
