package dev.celadon.licensing.internal;

import static dev.celadon.licensing.internal.OsgiFramework.ROGUE_BSN;
import static dev.celadon.licensing.internal.OsgiFramework.TIMING_BSN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceException;
import dev.celadon.licensing.LicenceGrant;
import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceState;
import dev.celadon.licensing.LicenceStatus;

/**
 * Every licence check, through the licensing bundle running in a real Felix framework with Felix SCR: a refused
 * licence must be refused by install with its state and message, show that state when dropped into the licence
 * directory by hand, register no grant, and leave the enlightenment fixture's component inactive.
 */
class LicenceChecksTest {
    private static final String TIMING_TARGET = "(&(celadon.feature=hv-timing)(celadon.licensee.bsn=" + TIMING_BSN + "))";

    @TempDir
    static Path root;
    static OsgiFramework osgi;
    static AuthorityKey trusted;
    static AuthorityKey stranger;
    static LicenceService service;
    static Bundle timing;

    @BeforeAll
    static void start() throws Exception {
        osgi = new OsgiFramework(root);
        trusted = AuthorityKey.generate();
        stranger = AuthorityKey.generate();
        Files.writeString(osgi.trustDir.resolve("test-authority.pem"), Ed25519Keys.publicPem(trusted.publicKey()));
        service = osgi.service();
        timing = osgi.fixtureBundle(TIMING_BSN, "1.2.0", TIMING_TARGET);
        // A bundle that asks for the timing grant with the licensee's own name in its filter: it must not get it.
        osgi.fixtureBundle(ROGUE_BSN, "1.2.0", TIMING_TARGET);
    }

    @AfterAll
    static void stop() throws Exception {
        osgi.close();
    }

    @AfterEach
    void emptyLicenceDirectory() throws IOException {
        try (var files = Files.list(osgi.licenceDir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        service.list();
        assertTrue(osgi.grants().isEmpty(), "grants left after the licences were deleted: " + osgi.grants());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    static Licence licence(String id, Instant notBefore, Instant notAfter, Optional<String> host, Grant... grants) {
        return new Licence(id, trusted.keyId(), "Test Licensee", notBefore, notAfter, host, List.of(grants));
    }

    static Licence current(String id, Grant... grants) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return licence(id, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), Optional.empty(), grants);
    }

    static Grant timingGrant() {
        return new Grant("hv-timing", TIMING_BSN, Optional.empty());
    }

    static byte[] signed(Licence l) throws Exception {
        return LicenceSigner.sign(l, trusted.privateKey(), trusted.publicKey());
    }

    static Path incoming(String name, byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(root.resolve("incoming"));
        return Files.write(dir.resolve(name), bytes);
    }

    /** The refusal as the service reports it both ways, and nothing granted or activated. */
    static void assertRefused(String id, byte[] file, LicenceState state, String reason) throws Exception {
        LicenceException e = assertThrows(LicenceException.class, () -> service.install(incoming(id + ".licence", file)),
                "install must refuse a licence that is " + state);
        assertEquals(state, e.state(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), "install's message '" + e.getMessage() + "' lacks '" + reason + "'");
        assertTrue(Files.notExists(osgi.licenceDir.resolve(id + ".licence")), "a refused licence was installed");

        Files.write(osgi.licenceDir.resolve(id + ".licence"), file);
        LicenceStatus s = service.show(id).orElseThrow(() -> new AssertionError(id + " not listed"));
        assertEquals(state, s.state(), s.reason());
        assertTrue(s.reason().contains(reason), "reason '" + s.reason() + "' lacks '" + reason + "'");
        assertNoGrant();
    }

    static void assertNoGrant() {
        assertTrue(osgi.grants().isEmpty(), "grant services registered: " + osgi.grants());
        assertNull(osgi.enlightenment(TIMING_BSN), "the timing enlightenment is active without a valid licence");
    }

    static byte[] withDocument(byte[] file, byte[] document) throws IOException {
        ObjectNode n = (ObjectNode) LicenceEnvelope.JSON.readTree(file);
        n.put("document", Base64.getEncoder().encodeToString(document));
        return LicenceEnvelope.JSON.writeValueAsBytes(n);
    }

    // ---- the happy path -----------------------------------------------------------------------------------

    @Test
    void aValidLicenceRegistersItsGrantAndActivatesTheEnlightenmentUntilRemoved() throws Exception {
        byte[] file = signed(current("happy", timingGrant(), new Grant("hv-synic", "dev.celadon.enlightenment.synic",
                Optional.of("[1.0,2)"))));
        LicenceStatus s = service.install(incoming("whatever-name.licence", file));
        assertEquals(LicenceState.VALID, s.state(), s.reason());
        assertArrayEquals(file, Files.readAllBytes(osgi.licenceDir.resolve("happy.licence")), "installed bytes differ");
        try (var files = Files.list(osgi.licenceDir)) {
            assertEquals(List.of("happy.licence"), files.map(p -> p.getFileName().toString()).toList(),
                    "install must leave exactly <id>.licence (no temporary files)");
        }

        Collection<ServiceReference<LicenceGrant>> grants = osgi.grants();
        assertEquals(2, grants.size(), "one grant service per grant");
        ServiceReference<LicenceGrant> ref = osgi.context.getServiceReferences(LicenceGrant.class,
                "(celadon.feature=hv-synic)").iterator().next();
        assertEquals("dev.celadon.enlightenment.synic", ref.getProperty(LicenceGrant.LICENSEE_BSN));
        assertEquals("[1.0,2)", ref.getProperty(LicenceGrant.LICENSEE_VERSION));
        assertEquals("happy", ref.getProperty(LicenceGrant.LICENCE_ID));

        assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> "happy".equals(osgi.enlightenment(TIMING_BSN))),
                "the timing enlightenment did not activate on its grant");
        assertNull(osgi.enlightenment(ROGUE_BSN), "a bundle the licence does not name got the grant");

        service.remove("happy");
        assertTrue(osgi.grants().isEmpty(), "remove left grant services: " + osgi.grants());
        assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> osgi.enlightenment(TIMING_BSN) == null),
                "the timing enlightenment stayed active after its licence was removed");
        assertTrue(Files.notExists(osgi.licenceDir.resolve("happy.licence")));
        assertThrows(LicenceException.class, () -> service.remove("happy"), "removing twice must fail");
    }

    @Test
    void reinstallingAfterRemovalActivatesAgain() throws Exception {
        byte[] file = signed(current("again", timingGrant()));
        for (int round = 0; round < 2; round++) {
            service.install(incoming("again.licence", file));
            assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> "again".equals(osgi.enlightenment(TIMING_BSN))),
                    "round " + round + ": not active after install");
            service.remove("again");
            assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> osgi.enlightenment(TIMING_BSN) == null),
                    "round " + round + ": still active after remove");
        }
    }

    @Test
    void aLicenceThatExpiresWhileInstalledIsWithdrawnByThePeriodicRecheck() throws Exception {
        Instant now = Instant.now();
        byte[] file = signed(licence("short", now.minus(Duration.ofDays(1)), now.plusSeconds(2), Optional.empty(),
                timingGrant()));
        service.install(incoming("short.licence", file));
        assertTrue(OsgiFramework.await(Duration.ofSeconds(2), () -> "short".equals(osgi.enlightenment(TIMING_BSN))),
                "not active while the licence holds");
        // No call to the service from here on: only the re-check (every second in this framework) may act.
        assertTrue(OsgiFramework.await(Duration.ofSeconds(6), () -> osgi.grants().isEmpty()),
                "the grant outlived its licence's notAfter");
        assertNull(osgi.enlightenment(TIMING_BSN), "the enlightenment outlived its licence");
        assertEquals(LicenceState.EXPIRED, service.show("short").orElseThrow().state());
    }

    @Test
    void withdrawingTheTrustAnchorWithdrawsTheGrants() throws Exception {
        service.install(incoming("anchored.licence", signed(current("anchored", timingGrant()))));
        assertEquals(1, osgi.grants().size());
        Path pem = osgi.trustDir.resolve("test-authority.pem");
        byte[] saved = Files.readAllBytes(pem);
        Files.delete(pem);
        try {
            LicenceStatus s = service.show("anchored").orElseThrow();
            assertEquals(LicenceState.UNKNOWN_SIGNER, s.state(), s.reason());
            assertNoGrant();
        } finally {
            Files.write(pem, saved);
        }
    }

    // ---- each check ---------------------------------------------------------------------------------------

    @Test
    void oneByteFlippedInTheDocumentIsABadSignature() throws Exception {
        byte[] file = signed(current("flipdoc", timingGrant()));
        byte[] doc = LicenceEnvelope.parse(file).document();
        // Flip the 'h' of "hv-timing" to 'H': still well-formed JSON, so only the signature can catch it.
        int at = new String(doc, StandardCharsets.UTF_8).indexOf("hv-timing");
        doc[at] ^= 0x20;
        assertRefused("flipdoc", withDocument(file, doc), LicenceState.BAD_SIGNATURE, "bad signature");
    }

    @Test
    void oneByteFlippedInTheSignatureIsABadSignature() throws Exception {
        byte[] file = signed(current("flipsig", timingGrant()));
        LicenceEnvelope e = LicenceEnvelope.parse(file);
        byte[] sig = e.signature();
        sig[10] ^= 0x01;
        byte[] flipped = new LicenceEnvelope(e.issuer(), e.document(), sig).toBytes();
        assertRefused("flipsig", flipped, LicenceState.BAD_SIGNATURE, "bad signature");
    }

    @Test
    void aSignerOutsideTheTrustAnchorsIsUnknown() throws Exception {
        Licence l = new Licence("stranger", stranger.keyId(), "Somebody", Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1)), Optional.empty(), List.of(timingGrant()));
        byte[] file = LicenceSigner.sign(l, stranger.privateKey(), stranger.publicKey());
        assertRefused("stranger", file, LicenceState.UNKNOWN_SIGNER, "unknown signer: key " + stranger.keyId());
    }

    @Test
    void aStrangersSignatureUnderATrustedIssuerIdIsABadSignature() throws Exception {
        // The envelope's issuer only picks the key: naming the trusted key does not make a stranger's signature pass.
        Licence l = current("impostor", timingGrant());
        byte[] file = LicenceSigner.wrap(trusted.keyId(), LicenceDocument.encode(l), stranger.privateKey());
        assertRefused("impostor", file, LicenceState.BAD_SIGNATURE, "bad signature");
    }

    @Test
    void anExpiredLicenceIsRefused() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        byte[] file = signed(licence("old", now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(30)),
                Optional.empty(), timingGrant()));
        assertRefused("old", file, LicenceState.EXPIRED, "expired: it held until " + now.minus(Duration.ofDays(30)));
    }

    @Test
    void aLicenceNotYetValidIsInstalledButGrantsNothing() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant from = now.plus(Duration.ofDays(10));
        byte[] file = signed(licence("future", from, now.plus(Duration.ofDays(40)), Optional.empty(), timingGrant()));
        LicenceStatus s = service.install(incoming("future.licence", file));
        assertEquals(LicenceState.NOT_YET_VALID, s.state(), s.reason());
        assertTrue(s.reason().contains("not yet valid: it holds from " + from), s.reason());
        assertNoGrant();
    }

    @Test
    void aLicenceBoundToAnotherHostIsRefused() throws Exception {
        String other = HostId.fromMachineId("ffffffffffffffffffffffffffffffff");
        Instant now = Instant.now();
        byte[] file = signed(licence("elsewhere", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)),
                Optional.of(other), timingGrant()));
        assertRefused("elsewhere", file, LicenceState.WRONG_HOST, "bound to another host: " + other);
    }

    @Test
    void aLicenceBoundToThisHostHolds() throws Exception {
        // This host's id as the README defines it, computed independently of HostId: sha256 of the machine id.
        String expected = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(osgi.machineId.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(expected, service.hostId());
        Instant now = Instant.now();
        byte[] file = signed(licence("here", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)),
                Optional.of(expected), timingGrant()));
        assertEquals(LicenceState.VALID, service.install(incoming("here.licence", file)).state());
        assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> "here".equals(osgi.enlightenment(TIMING_BSN))));
    }

    @Test
    void aGrantToAnotherBundleDoesNotActivateThisOne() throws Exception {
        byte[] file = signed(current("other", new Grant("hv-timing", "dev.celadon.enlightenment.other", Optional.empty())));
        assertEquals(LicenceState.VALID, service.install(incoming("other.licence", file)).state());
        assertEquals(1, osgi.grants().size(), "the grant for the other bundle is registered");
        assertNull(osgi.enlightenment(TIMING_BSN), "the timing bundle activated on a grant to another bundle");
        // Nor can a bundle that is not the licensee get the object, whatever filter it uses.
        ServiceReference<LicenceGrant> ref = osgi.grants().iterator().next();
        assertNull(osgi.context.getService(ref), "the grant object was handed to a bundle it does not name");
    }

    @Test
    void aGrantNamingThisBundleIsRefusedToABundleThatFiltersForIt() throws Exception {
        service.install(incoming("mine.licence", signed(current("mine", timingGrant()))));
        assertTrue(OsgiFramework.await(Duration.ofSeconds(5), () -> "mine".equals(osgi.enlightenment(TIMING_BSN))));
        assertNull(osgi.enlightenment(ROGUE_BSN), "the rogue bundle activated on the timing bundle's grant");
        assertNotNull(osgi.grants().iterator().next());
    }

    @Test
    void aGrantWhoseVersionRangeExcludesTheBundleDoesNotActivateIt() throws Exception {
        byte[] file = signed(current("v2", new Grant("hv-timing", TIMING_BSN, Optional.of("[2.0,3)"))));
        assertEquals(LicenceState.VALID, service.install(incoming("v2.licence", file)).state());
        assertNull(osgi.enlightenment(TIMING_BSN), "timing 1.2.0 activated on a grant for [2.0,3)");
        assertEquals(timing.getVersion().toString(), "1.2.0");
    }

    @Test
    void malformedJsonIsRefused() throws Exception {
        assertRefused("notjson", "{\"format\": \"celadon-licence/1\", ".getBytes(StandardCharsets.UTF_8),
                LicenceState.MALFORMED, "malformed: the file is not JSON");
    }

    @Test
    void aSignedDocumentThatIsNotJsonIsMalformed() throws Exception {
        byte[] file = LicenceSigner.wrap(trusted.keyId(), "{\"id\": \"x\",".getBytes(StandardCharsets.UTF_8),
                trusted.privateKey());
        assertRefused("signedgarbage", file, LicenceState.MALFORMED, "malformed document: the document is not JSON");
    }

    @Test
    void aSignedDocumentWithADuplicateFieldIsMalformed() throws Exception {
        // Two "grants": one parser might take the first, another the last. Refused, so a document has one meaning.
        String doc = new String(LicenceDocument.encode(current("dup", timingGrant())), StandardCharsets.UTF_8);
        doc = doc.substring(0, doc.length() - 1) + ",\"grants\":[{\"feature\":\"hv-crash\",\"bundle\":\"x\"}]}";
        byte[] file = LicenceSigner.wrap(trusted.keyId(), doc.getBytes(StandardCharsets.UTF_8), trusted.privateKey());
        assertRefused("dup", file, LicenceState.MALFORMED, "Duplicate field 'grants'");
    }

    @Test
    void aSignedDocumentWithAnUnknownFieldIsMalformed() throws Exception {
        String doc = new String(LicenceDocument.encode(current("extra", timingGrant())), StandardCharsets.UTF_8);
        doc = doc.substring(0, doc.length() - 1) + ",\"unlimited\":true}";
        byte[] file = LicenceSigner.wrap(trusted.keyId(), doc.getBytes(StandardCharsets.UTF_8), trusted.privateKey());
        assertRefused("extra", file, LicenceState.MALFORMED, "unknown field 'unlimited'");
    }

    @Test
    void nonCanonicalBase64IsMalformed() throws Exception {
        byte[] file = signed(current("b64", timingGrant()));
        ObjectNode n = (ObjectNode) LicenceEnvelope.JSON.readTree(file);
        String sig = n.get("signature").textValue();
        // 64 bytes end in "==" after a character carrying 4 unused bits; set one of them: same bytes, other text.
        char last = sig.charAt(sig.length() - 3);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char changed = alphabet.charAt(alphabet.indexOf(last) ^ 1);
        n.put("signature", sig.substring(0, sig.length() - 3) + changed + "==");
        assertRefused("b64", LicenceEnvelope.JSON.writeValueAsBytes(n), LicenceState.MALFORMED, "not canonical base64");
    }

    @Test
    void controlCharactersInAMalformedFileDoNotReachTheReason() throws Exception {
        byte[] file = "{\"format\": \"\\u001b[2Jcleared\\n\"}".getBytes(StandardCharsets.UTF_8);
        assertRefused("ansi", file, LicenceState.MALFORMED, "format is '?[2Jcleared?'");
    }
}
