package dev.celadon.hypervisor.api.backend;

import java.util.Map;

/**
 * What a backend can do on this host.
 *
 * @param available          false when the backend cannot run partitions here; {@code unavailableReason} says why
 * @param hardwareAssisted   false on a software-nested KVM, where unmodified kernels run through an emulator
 * @param details            facts for operators (API version, module, TSC frequency, ...)
 */
public record BackendCapabilities(String name, boolean available, String unavailableReason,
                                  boolean hardwareAssisted, int maxVps, long maxMemoryBytes,
                                  Map<String, String> details) {
}
