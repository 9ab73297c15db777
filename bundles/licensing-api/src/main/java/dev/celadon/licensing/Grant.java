package dev.celadon.licensing;

import java.util.Objects;
import java.util.Optional;

/**
 * One grant of a licence: a feature for one bundle.
 *
 * @param feature      feature name, e.g. {@code hv-timing}
 * @param bundle       the Bundle-SymbolicName allowed to use it, e.g. {@code dev.celadon.enlightenment.timing}
 * @param versionRange an OSGi version range the bundle's version must fall in, e.g. {@code [1.0,2)};
 *                     empty: any version
 */
public record Grant(String feature, String bundle, Optional<String> versionRange) {
    public Grant {
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(versionRange, "versionRange");
    }

    @Override
    public String toString() {
        return feature + "=" + bundle + versionRange.map(r -> ";version=" + r).orElse("");
    }
}
