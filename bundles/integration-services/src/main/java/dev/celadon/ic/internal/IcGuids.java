package dev.celadon.ic.internal;

import dev.celadon.vmbus.Guid;

/** The interface types of the integration services (include/linux/hyperv.h, hv_util.c's id_table). */
public final class IcGuids {
    public static final Guid SHUTDOWN = Guid.parse("0e0b6031-5213-4934-818b-38d90ced39db");
    public static final Guid TIMESYNC = Guid.parse("9527e630-d0ae-497b-adce-e80ab0175caf");
    public static final Guid HEARTBEAT = Guid.parse("57164f39-9115-4e78-ab55-382f3bd5422d");

    private IcGuids() {
    }
}
