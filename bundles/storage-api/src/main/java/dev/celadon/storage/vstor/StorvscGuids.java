package dev.celadon.storage.vstor;

import dev.celadon.vmbus.Guid;

/** The VMBus interface types storvsc binds to (drivers/scsi/storvsc_drv.c, id_table). */
public final class StorvscGuids {
    /** The synthetic SCSI controller. */
    public static final Guid SCSI = Guid.parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    /** The synthetic IDE accelerator (one target, given by bytes 5:4 of the instance GUID). */
    public static final Guid IDE = Guid.parse("32412632-86cb-44a2-9b5c-50d1417354f5");
    /** The synthetic Fibre Channel adapter. */
    public static final Guid FC = Guid.parse("2f9bcc4a-0069-4af3-b76b-6fd0be528cda");

    private StorvscGuids() {
    }
}
