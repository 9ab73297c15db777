package dev.celadon.licensing;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The content of a licence document, as signed by its issuer.
 *
 * @param id        the licence id ({@code [A-Za-z0-9._-]{1,64}}); installing a licence with an id already
 *                  installed replaces it
 * @param issuer    the key id of the signing authority (see the licensing bundle's README)
 * @param licensee  who the licence was issued to (free text, shown only)
 * @param notBefore first instant the licence holds
 * @param notAfter  first instant it no longer holds
 * @param host      if present, the only host id it holds on ({@code sha256:} and 64 hex digits)
 * @param grants    at least one grant
 */
public record Licence(String id, String issuer, String licensee, Instant notBefore, Instant notAfter,
                      Optional<String> host, List<Grant> grants) {
    public Licence {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(licensee, "licensee");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(host, "host");
        grants = List.copyOf(grants);
    }
}
