package dev.celadon.licensing;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The installed licences. Every call re-checks what it reports against the trust anchors, the clock and
 * this host, and brings the registered {@link LicenceGrant} services in line with the result.
 */
@ProviderType
public interface LicenceService {

    /** Every file in the licence directory, ordered by id, with its state. */
    List<LicenceStatus> list();

    /** The licence with this id (or the unreadable file with this name), checked now. */
    Optional<LicenceStatus> show(String id);

    /**
     * Checks a licence file and, if it is valid (or only not yet valid), copies it atomically into the
     * licence directory as {@code <id>.licence}, replacing a licence with the same id; its grants are
     * registered before this returns.
     *
     * @throws LicenceException if a check fails (the state says which) or the file cannot be read or copied;
     *                          nothing is installed then
     */
    LicenceStatus install(Path file) throws LicenceException;

    /**
     * Removes the licence with this id; its grants are unregistered before this returns.
     *
     * @throws LicenceException if no licence has this id or the file cannot be deleted
     */
    void remove(String id) throws LicenceException;

    /** This host's id, as a licence's {@code host} field must give it to be bound here. */
    String hostId();
}
