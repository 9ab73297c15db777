package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;

/**
 * The signed document: UTF-8 JSON, one object.
 *
 * <pre>
 * {
 *   "id": "celadon-dev-hv-timing",                 [A-Za-z0-9._-]{1,64}
 *   "issuer": "0123456789abcdef0123456789abcdef",  key id of the signer
 *   "licensee": "Celadon developers",              1..200 characters, no control characters
 *   "notBefore": "2025-01-01T00:00:00Z",           ISO-8601 instant (java.time.Instant.parse)
 *   "notAfter": "2026-01-01T00:00:00Z",            after notBefore
 *   "host": "sha256:&lt;64 hex&gt;",                      optional: bound to this host id
 *   "grants": [                                    1..256 grants
 *     { "feature": "hv-timing",                    [a-z0-9][a-z0-9._-]{0,63}
 *       "bundle": "dev.celadon.enlightenment.timing",   a Bundle-SymbolicName
 *       "version": "[1.0,2)" }                     optional OSGi version range
 *   ]
 * }
 * </pre>
 *
 * It is parsed only after its signature verified, and strictly: unknown or duplicate fields, wrong types,
 * trailing data and invalid UTF-8 are refused, so a signed document has one meaning.
 */
final class LicenceDocument {
    static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{32}");
    static final Pattern LICENCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern FEATURE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** OSGi symbolic-name tokens joined by dots (Core R8 §3.2.5, without the extended token characters). */
    static final Pattern BUNDLE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final String VERSION = "\\d{1,9}(\\.\\d{1,9}(\\.\\d{1,9}(\\.[A-Za-z0-9_-]+)?)?)?";
    /** An OSGi version range (Core R8 §3.2.6): a version (at least), or [a,b] (a,b) [a,b) (a,b]. */
    static final Pattern VERSION_RANGE = Pattern.compile(VERSION + "|[\\[(]" + VERSION + "," + VERSION + "[\\])]");
    static final int MAX_GRANTS = 256;
    private static final Set<String> FIELDS = Set.of("id", "issuer", "licensee", "notBefore", "notAfter", "host", "grants");
    private static final Set<String> GRANT_FIELDS = Set.of("feature", "bundle", "version");

    private LicenceDocument() {
    }

    static Licence parse(byte[] document) throws MalformedLicenceException {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(document));
        } catch (CharacterCodingException e) {
            throw new MalformedLicenceException("the document is not UTF-8");
        }
        JsonNode root;
        try {
            root = LicenceEnvelope.JSON.readTree(document);
        } catch (IOException e) {
            throw new MalformedLicenceException("the document is not JSON: " + LicenceEnvelope.firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedLicenceException("the document is not a JSON object");
        }
        onlyFields(root, FIELDS, "the document");
        String id = matching(root, "id", LICENCE_ID);
        String issuer = matching(root, "issuer", KEY_ID);
        String licensee = text(root, "licensee");
        if (licensee.isEmpty() || licensee.length() > 200 || licensee.chars().anyMatch(Character::isISOControl)) {
            throw new MalformedLicenceException("licensee must be 1 to 200 characters without control characters");
        }
        Instant notBefore = instant(root, "notBefore");
        Instant notAfter = instant(root, "notAfter");
        if (!notAfter.isAfter(notBefore)) {
            throw new MalformedLicenceException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        Optional<String> host = root.has("host") ? Optional.of(matching(root, "host", HostId.FORMAT)) : Optional.empty();
        JsonNode grantsNode = root.get("grants");
        if (grantsNode == null || !grantsNode.isArray()) {
            throw new MalformedLicenceException("'grants' is missing or not an array");
        }
        if (grantsNode.isEmpty() || grantsNode.size() > MAX_GRANTS) {
            throw new MalformedLicenceException("'grants' has " + grantsNode.size() + " entries, 1 to " + MAX_GRANTS + " allowed");
        }
        List<Grant> grants = new ArrayList<>();
        for (JsonNode g : grantsNode) {
            if (!g.isObject()) {
                throw new MalformedLicenceException("a grant is not a JSON object");
            }
            onlyFields(g, GRANT_FIELDS, "a grant");
            Optional<String> version = g.has("version") ? Optional.of(matching(g, "version", VERSION_RANGE)) : Optional.empty();
            grants.add(new Grant(matching(g, "feature", FEATURE), matching(g, "bundle", BUNDLE), version));
        }
        return new Licence(id, issuer, licensee, notBefore, notAfter, host, grants);
    }

    /** The document's bytes for signing: compact JSON in the field order above. */
    static byte[] encode(Licence licence) {
        ObjectNode root = LicenceEnvelope.JSON.createObjectNode();
        root.put("id", licence.id());
        root.put("issuer", licence.issuer());
        root.put("licensee", licence.licensee());
        root.put("notBefore", licence.notBefore().toString());
        root.put("notAfter", licence.notAfter().toString());
        licence.host().ifPresent(h -> root.put("host", h));
        ArrayNode grants = root.putArray("grants");
        for (Grant g : licence.grants()) {
            ObjectNode o = grants.addObject();
            o.put("feature", g.feature());
            o.put("bundle", g.bundle());
            g.versionRange().ifPresent(v -> o.put("version", v));
        }
        try {
            return LicenceEnvelope.JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a grant as the command line gives it: {@code feature=bundle[;version=range]}. */
    static Grant parseGrant(String spec) throws MalformedLicenceException {
        int eq = spec.indexOf('=');
        if (eq < 0) {
            throw new MalformedLicenceException("grant '" + spec + "' is not feature=bundle[;version=range]");
        }
        String feature = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        Optional<String> version = Optional.empty();
        int semi = rest.indexOf(';');
        if (semi >= 0) {
            String attr = rest.substring(semi + 1);
            if (!attr.startsWith("version=")) {
                throw new MalformedLicenceException("grant '" + spec + "': only ;version=range may follow the bundle");
            }
            version = Optional.of(attr.substring("version=".length()).replace("\"", ""));
            rest = rest.substring(0, semi);
        }
        check(feature, FEATURE, "feature");
        check(rest, BUNDLE, "bundle");
        if (version.isPresent()) {
            check(version.get(), VERSION_RANGE, "version");
        }
        return new Grant(feature, rest, version);
    }

    /** Licence text ends up on consoles: control characters become '?', and long values are cut. */
    static String printable(String value) {
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(120).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return value.codePointCount(0, value.length()) > 120 ? b + "..." : b.toString();
    }

    private static void check(String value, Pattern pattern, String what) throws MalformedLicenceException {
        if (!pattern.matcher(value).matches()) {
            throw new MalformedLicenceException(what + " '" + value + "' does not match " + pattern.pattern());
        }
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, String where) throws MalformedLicenceException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new MalformedLicenceException("unknown field '" + printable(name) + "' in " + where);
            }
        }
    }

    private static String text(JsonNode node, String field) throws MalformedLicenceException {
        JsonNode v = node.get(field);
        if (v == null) {
            throw new MalformedLicenceException("'" + field + "' is missing");
        }
        if (!v.isTextual()) {
            throw new MalformedLicenceException("'" + field + "' is not a string");
        }
        return v.textValue();
    }

    private static String matching(JsonNode node, String field, Pattern pattern) throws MalformedLicenceException {
        String value = text(node, field);
        if (!pattern.matcher(value).matches()) {
            throw new MalformedLicenceException("'" + field + "' value '" + printable(value) + "' does not match " + pattern.pattern());
        }
        return value;
    }

    private static Instant instant(JsonNode node, String field) throws MalformedLicenceException {
        String value = text(node, field);
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new MalformedLicenceException("'" + field + "' value '" + printable(value) + "' is not an ISO-8601 instant");
        }
    }
}
