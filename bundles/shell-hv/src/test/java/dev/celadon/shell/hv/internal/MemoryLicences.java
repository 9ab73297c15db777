package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceException;
import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceState;
import dev.celadon.licensing.LicenceStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A LicenceService kept in memory (the real LicenceManager needs a BundleContext). A file "installs" when its
 * text is {@code id state feature...}: the state decides, as the real service's checks would, whether install
 * accepts it (VALID, NOT_YET_VALID) or throws with that state.
 */
final class MemoryLicences implements LicenceService {

    final TreeMap<String, LicenceStatus> installed = new TreeMap<>();

    @Override
    public List<LicenceStatus> list() {
        return new ArrayList<>(installed.values());
    }

    @Override
    public Optional<LicenceStatus> show(String id) {
        return Optional.ofNullable(installed.get(id));
    }

    @Override
    public LicenceStatus install(Path file) throws LicenceException {
        String[] words;
        try {
            words = Files.readString(file).trim().split("\\s+");
        } catch (java.io.IOException e) {
            throw new LicenceException("cannot read " + file, e);
        }
        LicenceState state = LicenceState.valueOf(words[1]);
        if (state != LicenceState.VALID && state != LicenceState.NOT_YET_VALID) {
            throw new LicenceException(state, state.name().toLowerCase().replace('_', ' ') + ": refused");
        }
        return put(words[0], state, java.util.Arrays.copyOfRange(words, 2, words.length));
    }

    /**
     * A verified licence in {@code state} (as a file dropped in by hand would be listed, whatever its state),
     * granting each feature {@code hv-x} to {@code dev.celadon.enlightenment.x} in [1.0,2).
     */
    LicenceStatus put(String id, LicenceState state, String... features) {
        List<Grant> grants = new ArrayList<>();
        for (String f : features) {
            grants.add(new Grant(f, "dev.celadon.enlightenment." + f.replace("hv-", ""), Optional.of("[1.0,2)")));
        }
        Instant notAfter = Instant.parse("2027-12-02T05:37:55Z");
        Licence l = new Licence(id, "8f5c2a5772c70e9c71727edfe9039a7f", "ACME Corp",
                Instant.parse("2026-12-01T05:37:55Z"), notAfter, Optional.empty(), grants);
        LicenceStatus s = new LicenceStatus(id, Path.of("/licences/" + id + ".licence"), state,
                state == LicenceState.VALID ? "valid until " + notAfter : state.name().toLowerCase().replace('_', ' '),
                Optional.of(l));
        installed.put(id, s);
        return s;
    }

    /** A file in the licence directory whose signature failed: listed, its document never parsed. */
    void dropUnverified(String name) {
        installed.put(name, new LicenceStatus(name, Path.of("/licences/" + name + ".licence"),
                LicenceState.BAD_SIGNATURE, "bad signature: the signature does not verify", Optional.empty()));
    }

    @Override
    public void remove(String id) throws LicenceException {
        if (installed.remove(id) == null) {
            throw new LicenceException(null, "no licence with id " + id);
        }
    }

    @Override
    public String hostId() {
        return "sha256:0035969ec53f6e7f0fb40f08cc9ed4783aa99c2000cf1ebe4187c10dd0d8370f";
    }
}
