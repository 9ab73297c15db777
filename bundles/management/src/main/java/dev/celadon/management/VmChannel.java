package dev.celadon.management;

import dev.celadon.vmbus.server.ChannelInfo;

/**
 * One VMBus channel of a running VM: the VMBus server's view of it and what serves it.
 *
 * @param channel the server's snapshot (GUIDs, state, rings' fill, counters)
 * @param device  the serving device's description (e.g. {@code storvsp <instance> LUN 0: /var/tmp/d.vhd (...)}),
 *                or null for a channel offered by something other than a definition entry
 */
public record VmChannel(ChannelInfo channel, String device) {
}
