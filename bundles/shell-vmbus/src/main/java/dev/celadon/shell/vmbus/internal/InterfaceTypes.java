package dev.celadon.shell.vmbus.internal;

import dev.celadon.vmbus.Guid;
import java.util.Map;

/**
 * What a channel is, from its interface type GUID: the Linux driver that binds it and the device class (GUIDs
 * from ../shared/reference/hyperv-guest-abi.md, as in Linux's include/linux/hyperv.h).
 */
final class InterfaceTypes {
    private static final Map<Guid, String> KNOWN = Map.ofEntries(
            Map.entry(Guid.parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"), "storvsc (synthetic SCSI controller)"),
            Map.entry(Guid.parse("32412632-86cb-44a2-9b5c-50d1417354f5"), "storvsc (synthetic IDE accelerator)"),
            Map.entry(Guid.parse("2f9bcc4a-0069-4af3-b76b-6fd0be528cda"), "storvsc (synthetic Fibre Channel)"),
            Map.entry(Guid.parse("f8615163-df3e-46c5-913f-f2d2f965ed0e"), "netvsc (synthetic network adapter)"),
            Map.entry(Guid.parse("0e0b6031-5213-4934-818b-38d90ced39db"), "hv_utils (shutdown)"),
            Map.entry(Guid.parse("9527e630-d0ae-497b-adce-e80ab0175caf"), "hv_utils (time synchronisation)"),
            Map.entry(Guid.parse("57164f39-9115-4e78-ab55-382f3bd5422d"), "hv_utils (heartbeat)"),
            Map.entry(Guid.parse("a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"), "hv_utils (key-value pairs)"),
            Map.entry(Guid.parse("35fa2e29-ea23-4236-96ae-3a6ebacba440"), "hv_utils (volume shadow copy)"),
            Map.entry(Guid.parse("525074dc-8985-46e2-8057-a307dc18a502"), "hv_balloon (dynamic memory)"),
            Map.entry(Guid.parse("f912ad6d-2b17-48ea-bd65-f927a61c7684"), "hyperv-keyboard"));

    private InterfaceTypes() {
    }

    static String describe(Guid type) {
        return KNOWN.getOrDefault(type, "unknown interface type");
    }
}
