package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A licence file: a small JSON object that carries the signed document as opaque bytes.
 *
 * <pre>
 * {
 *   "format": "celadon-licence/1",
 *   "issuer": "&lt;key id, 32 lowercase hex digits&gt;",
 *   "document": "&lt;base64 (RFC 4648, padded) of the document's UTF-8 JSON bytes&gt;",
 *   "signature": "&lt;base64 of the 64-byte Ed25519 signature&gt;"
 * }
 * </pre>
 *
 * The signature is over {@link #signedBytes}: the ASCII bytes {@code celadon-licence/1}, one zero byte, then
 * the document bytes exactly as base64 carries them. Because the document is bytes, not JSON, nothing that
 * re-serialises the file (other key order, white space, escapes, number forms) can change what was signed, and
 * the verifier never has to reproduce a canonical JSON form. The prefix separates these signatures from
 * anything else the same key might sign. Base64 must be canonical (it re-encodes to the same text), so the
 * file has exactly one spelling of a given document and signature. The envelope itself is not signed: its
 * {@code issuer} only picks the key, and the signed document must name the same issuer.
 */
record LicenceEnvelope(String issuer, byte[] document, byte[] signature) {
    static final String FORMAT = "celadon-licence/1";
    static final int SIGNATURE_LENGTH = 64;
    /** A licence with a few dozen grants is a few KiB; anything past this is not a licence. */
    static final int MAX_FILE_BYTES = 64 * 1024;
    private static final Set<String> FIELDS = Set.of("format", "issuer", "document", "signature");

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    static byte[] signedBytes(byte[] document) {
        byte[] prefix = FORMAT.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + 1 + document.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(document, 0, out, prefix.length + 1, document.length);
        return out;
    }

    /** Reads a licence file; every way it can be wrong is a {@link MalformedLicenceException} saying which. */
    static LicenceEnvelope parse(byte[] file) throws MalformedLicenceException {
        if (file.length > MAX_FILE_BYTES) {
            throw new MalformedLicenceException("the file has " + file.length + " bytes, more than " + MAX_FILE_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file);
        } catch (IOException e) {
            throw new MalformedLicenceException("the file is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedLicenceException("the file is not a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new MalformedLicenceException("unknown field '" + LicenceDocument.printable(name) + "' in the licence file");
            }
        }
        String format = text(root, "format");
        if (!format.equals(FORMAT)) {
            throw new MalformedLicenceException("format is '" + LicenceDocument.printable(format) + "', expected '" + FORMAT + "'");
        }
        String issuer = text(root, "issuer");
        if (!LicenceDocument.KEY_ID.matcher(issuer).matches()) {
            throw new MalformedLicenceException("issuer '" + LicenceDocument.printable(issuer) + "' is not a key id (32 lowercase hex digits)");
        }
        byte[] document = base64(root, "document");
        byte[] signature = base64(root, "signature");
        if (signature.length != SIGNATURE_LENGTH) {
            throw new MalformedLicenceException("the signature has " + signature.length + " bytes, an Ed25519 signature has 64");
        }
        return new LicenceEnvelope(issuer, document, signature);
    }

    byte[] toBytes() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("issuer", issuer);
        root.put("document", Base64.getEncoder().encodeToString(document));
        root.put("signature", Base64.getEncoder().encodeToString(signature));
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode root, String field) throws MalformedLicenceException {
        JsonNode node = root.get(field);
        if (node == null) {
            throw new MalformedLicenceException("the licence file has no '" + field + "'");
        }
        if (!node.isTextual()) {
            throw new MalformedLicenceException("'" + field + "' in the licence file is not a string");
        }
        return node.textValue();
    }

    private static byte[] base64(JsonNode root, String field) throws MalformedLicenceException {
        String text = text(root, field);
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedLicenceException("'" + field + "' is not base64: " + e.getMessage());
        }
        // The JDK decoder ignores the unused low bits of the last character; insisting on the canonical
        // spelling makes every change to the file's text a change to what is checked.
        if (!Base64.getEncoder().encodeToString(bytes).equals(text)) {
            throw new MalformedLicenceException("'" + field + "' is not canonical base64");
        }
        return bytes;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return LicenceDocument.printable(nl < 0 ? message : message.substring(0, nl));
    }
}
