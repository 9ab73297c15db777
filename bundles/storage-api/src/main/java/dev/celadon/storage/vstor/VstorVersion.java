package dev.celadon.storage.vstor;

/**
 * Storage protocol versions, {@code major << 8 | minor} in the u16 of QUERY_PROTOCOL_VERSION. Linux 6.1 proposes
 * {@link #LINUX_6_1_PROPOSALS} in that order and stops at the first the host accepts; all three use the win8
 * {@link VmscsiRequest} layout and 20 bytes of sense.
 */
public final class VstorVersion {
    public static final int WIN8 = 0x0501;
    public static final int WIN8_1 = 0x0600;
    public static final int WIN10 = 0x0602;
    public static final int[] LINUX_6_1_PROPOSALS = {WIN10, WIN8_1, WIN8};

    private VstorVersion() {
    }

    public static String name(int v) {
        return (v >>> 8 & 0xff) + "." + (v & 0xff);
    }
}
