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
        List<Grant> grants = new ArrayList<>();
        for (int i = 2; i < words.length; i++) {
            grants.add(new Grant(words[i], "dev.celadon.enlightenment." + words[i].replace("hv-", ""),
                    Optional.of("[1.0,2)")));
        }
        Instant notAfter = Instant.parse("2027-12-02T05:37:55Z");
        Licence l = new Licence(words[0], "8f5c2a5772c70e9c71727edfe9039a7f", "ACME Corp",
                Instant.parse("2026-12-01T05:37:55Z"), notAfter, Optional.empty(), grants);
        LicenceStatus s = new LicenceStatus(words[0], Path.of("/licences/" + words[0] + ".licence"), state,
                state == LicenceState.VALID ? "valid until " + notAfter : "not yet valid: it holds from "
                        + l.notBefore(), Optional.of(l));
        installed.put(words[0], s);
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
