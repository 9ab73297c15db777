package dev.celadon.licensing;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An installed licence file and what checking it found.
 *
 * @param id      the licence id, or, for a file whose document was not verified or not readable, its
 *                file name without the {@code .licence} suffix
 * @param file    the file in the licence directory
 * @param state   the check's result
 * @param reason  a sentence saying why, for people (for {@link LicenceState#VALID}: until when)
 * @param licence the document, present once its signature verified (so for {@link LicenceState#VALID},
 *                {@link LicenceState#NOT_YET_VALID}, {@link LicenceState#EXPIRED} and
 *                {@link LicenceState#WRONG_HOST}); an unverified document is never parsed
 */
public record LicenceStatus(String id, Path file, LicenceState state, String reason, Optional<Licence> licence) {
    public LicenceStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(licence, "licence");
    }

    public boolean valid() {
        return state == LicenceState.VALID;
    }
}
