package dev.celadon.management;

import java.time.Instant;
import java.util.Map;

/**
 * A VM's definition and where it is in its life cycle.
 *
 * @param since   when it entered this state (null for DEFINED)
 * @param runtime facts about the running partition (backend, virtualization, boot format, ...); empty when not running
 */
public record VmInfo(VmDefinition definition, VmState state, String failureReason, Instant since,
                     Map<String, String> runtime) {

    public String name() {
        return definition.name();
    }
}
