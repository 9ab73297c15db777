package dev.celadon.storvsp.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.storage.Lun;
import dev.celadon.storage.StorageBackend;
import dev.celadon.storvsp.StorageVsp;
import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VirtualDisk;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.server.VmbusDevice;
import dev.celadon.vmbus.server.provider.DeviceRequest;
import dev.celadon.vmbus.server.provider.GracefulRemoval;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import dev.celadon.vmbus.server.provider.VmbusDeviceProvider;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Disks of VM definitions as storage VSPs: one synthetic SCSI controller per disk, the disk its LUN 0, so
 * attaching and detaching a disk is offering and rescinding one channel. The image is a VHD (fixed, dynamic,
 * differencing) or a raw image ({@link Vhd#openImage}); a writable open locks the file, so two running VMs
 * cannot both write one image. The controller's instance GUID and the LUN's serial are derived from the VM's
 * name and the image's path, so a disk keeps its identity across runs and across other disks coming and going.
 */
@Component(service = VmbusDeviceProvider.class)
public final class StorageVspProvider implements VmbusDeviceProvider {
    private static final Logger LOG = LoggerFactory.getLogger(StorageVspProvider.class);

    @Override
    public String kind() {
        return KIND_DISK;
    }

    @Override
    public void check(DeviceRequest request) {
        Path path = Path.of(request.source());
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("disk " + path + ": no such file");
        }
        try (VirtualDisk disk = Vhd.openImage(path, true)) {
            if (disk.size() <= 0) {
                throw new IllegalArgumentException("disk " + path + ": the image is empty");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("disk ")) {
                throw iae;
            }
            throw new IllegalArgumentException("disk " + path + ": not usable as a VHD or raw image: " + e.getMessage(), e);
        }
    }

    @Override
    public ProvidedDevice open(DeviceRequest request, GuestMemory memory) throws IOException {
        Path path = Path.of(request.source());
        VirtualDisk disk = Vhd.openImage(path, request.readOnly());
        try {
            Guid instance = instanceFor(request);
            Lun lun = new Lun(0, StorageBackend.of(disk, request.readOnly()), serialFor(instance));
            StorageVsp vsp = new StorageVsp(instance, List.of(lun), memory);
            String description = "storvsp " + instance + " LUN 0: " + path + " (" + disk.size() + " bytes"
                    + (request.readOnly() ? ", read-only" : "") + ")";
            return new Served(vsp, disk, description);
        } catch (RuntimeException e) {
            disk.close();
            throw new IOException("disk " + path + ": " + e.getMessage(), e);
        }
    }

    /** A stable instance GUID: name-based (v3) from the VM and the image's path. */
    static Guid instanceFor(DeviceRequest request) {
        return new Guid(UUID.nameUUIDFromBytes(("celadon-disk:" + request.vm() + ":" + request.source())
                .getBytes(StandardCharsets.UTF_8)));
    }

    /** 20 characters: "celadon-" and the first 12 hex digits of the instance. */
    static String serialFor(Guid instance) {
        return "celadon-" + instance.toString().replace("-", "").substring(0, 12);
    }

    private record Served(StorageVsp vsp, VirtualDisk disk, String description)
            implements ProvidedDevice, GracefulRemoval {
        @Override
        public boolean prepareRemoval(long timeoutMillis) {
            boolean done = vsp.prepareRemoval(timeoutMillis);
            if (!done) {
                LOG.warn("{}: the guest did not let go of the disk within {} ms; rescinding it anyway", description,
                        timeoutMillis);
            }
            return done;
        }

        @Override
        public VmbusDevice device() {
            return vsp;
        }

        @Override
        public void close() {
            try {
                disk.close(); // flushes a writable image first
            } catch (IOException e) {
                LOG.error("{}: closing the image failed: {}", description, e.getMessage());
            }
        }
    }
}
