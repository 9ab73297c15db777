package dev.celadon.hypervisor.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a backend is and can do on this host.
 *
 * @param name              the service's {@code celadon.backend} name ("kvm", "emulator", ...), as users type it
 * @param kind              what it runs guests on; null only when {@code available} is false and the kind could
 *                          not be determined (never guessed)
 * @param unavailableReason null when available, else why not in terms an operator can act on
 * @param details           facts for operators (API version, module, CPU model, ...)
 */
public record BackendInfo(String name, BackendKind kind, String unavailableReason, PartitionLimits limits,
                          Map<String, String> details) {

    public BackendInfo {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name");
        }
        if (unavailableReason == null && kind == null) {
            throw new IllegalArgumentException("an available backend has a kind");
        }
        limits = unavailableReason == null ? limits : PartitionLimits.NONE;
        details = Map.copyOf(details);
    }

    public static BackendInfo available(String name, BackendKind kind, PartitionLimits limits, Map<String, String> details) {
        return new BackendInfo(name, kind, null, limits, details);
    }

    public static BackendInfo unavailable(String name, String reason, Map<String, String> details) {
        return new BackendInfo(name, null, reason, PartitionLimits.NONE, details);
    }

    public boolean available() {
        return unavailableReason == null;
    }

    /** One line for listings: "emulator", "software-nested KVM", or "unavailable: why". */
    public String describe() {
        return available() ? kind.description() : "unavailable: " + unavailableReason;
    }

    /** The facts as ordered key/value pairs, for vm:info and logs. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("backend", name);
        m.put("kind", available() ? kind.description() : "unavailable");
        if (!available()) {
            m.put("unavailable", unavailableReason);
        } else {
            m.put("max-vps", Integer.toString(limits.maxVps()));
            m.put("max-memory-mib", Long.toString(limits.maxMemoryBytes() >> 20));
        }
        m.putAll(details);
        return m;
    }
}
