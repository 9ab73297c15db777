package dev.celadon.vmbus.server.provider;

/**
 * One device entry of a VM definition, as a provider sees it.
 *
 * @param vm       the VM's name
 * @param index    the entry's position among the VM's entries of this kind (0, 1, ...), stable while the definition
 *                 is unchanged; providers derive stable identities (instance GUIDs, serials) from vm and source
 * @param kind     the kind of entry, e.g. {@link VmbusDeviceProvider#KIND_DISK}
 * @param source   what the entry names, e.g. the absolute path of a disk image
 * @param readOnly whether the guest may only read it
 */
public record DeviceRequest(String vm, int index, String kind, String source, boolean readOnly) {
    public DeviceRequest {
        if (vm == null || kind == null || source == null || index < 0) {
            throw new IllegalArgumentException("a device request needs a VM, a kind, a source and an index >= 0");
        }
    }
}
