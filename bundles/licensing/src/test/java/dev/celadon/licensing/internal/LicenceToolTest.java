package dev.celadon.licensing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: keygen, sign and verify as an SDK user would run them. */
class LicenceToolTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        out.reset();
        err.reset();
        return new LicenceTool(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8)).run(args);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keygenWritesAPrivateKeyOnlyItsOwnerCanReadAndAPublicKeyToTrust() throws Exception {
        assertEquals(0, run("keygen", "--out", dir.resolve("acme").toString(), "--name", "acme"), err());
        Path key = dir.resolve("acme/acme.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        AuthorityKey k = AuthorityKey.read(key);
        assertEquals(k.keyId(), Ed25519Keys.keyId(Ed25519Keys.readPublic(dir.resolve("acme/acme.pem"))));
        assertTrue(out().contains("key id " + k.keyId()), out());
        assertTrue(!Files.readString(dir.resolve("acme/acme.pem")).contains("PRIVATE"), "the public file holds a private key");
        assertEquals(2, run("keygen", "--out", dir.resolve("acme").toString(), "--name", "acme"), "overwrote a key");
        assertEquals(k.keyId(), AuthorityKey.read(key).keyId(), "the key changed");
    }

    @Test
    void aLicenceSignedByTheToolVerifiesOnlyAgainstItsAuthority() throws Exception {
        run("keygen", "--out", dir.resolve("a").toString());
        run("keygen", "--out", dir.resolve("b").toString());
        Path lic = dir.resolve("third.licence");
        assertEquals(0, run("sign", "--key", dir.resolve("a/authority.key").toString(), "--licensee", "ACME Corp",
                "--grant", "hv-acme=com.acme.enlightenment;version=[1.0,2)", "--grant", "hv-acme2=com.acme.two",
                "--not-before", "2020-01-01T00:00:00Z", "--not-after", "2100-01-01T00:00:00Z", "--id", "acme-1",
                "--out", lic.toString()), err());

        assertEquals(0, run("verify", "--trust", dir.resolve("a").toString(), lic.toString()), out() + err());
        assertTrue(out().contains("VALID: valid until 2100-01-01T00:00:00Z"), out());
        assertTrue(out().contains("grant     hv-acme=com.acme.enlightenment;version=[1.0,2)"), out());
        assertTrue(out().contains("grant     hv-acme2=com.acme.two"), out());

        assertEquals(1, run("verify", "--trust", dir.resolve("b").toString(), lic.toString()));
        assertTrue(out().contains("UNKNOWN_SIGNER"), out());
    }

    @Test
    void aHostBoundLicenceVerifiesOnlyOnThatHost() throws Exception {
        run("keygen", "--out", dir.toString());
        Path here = Files.writeString(dir.resolve("machine-id-here"), "11111111111111111111111111111111\n");
        Path there = Files.writeString(dir.resolve("machine-id-there"), "22222222222222222222222222222222\n");
        assertEquals(0, run("hostid", "--machine-id", here.toString()));
        String hostId = out().strip();
        assertEquals(HostId.fromMachineId("11111111111111111111111111111111"), hostId);
        Path lic = dir.resolve("bound.licence");
        assertEquals(0, run("sign", "--key", dir.resolve("authority.key").toString(), "--licensee", "L", "--grant",
                "hv-x=a.b", "--not-before", "2020-01-01T00:00:00Z", "--not-after", "2100-01-01T00:00:00Z", "--host",
                hostId, "--out", lic.toString()), err());
        assertEquals(0, run("verify", "--trust", dir.toString(), "--machine-id", here.toString(), lic.toString()), out());
        assertEquals(1, run("verify", "--trust", dir.toString(), "--machine-id", there.toString(), lic.toString()));
        assertTrue(out().contains("WRONG_HOST"), out());
    }

    @Test
    void badArgumentsAreRefusedWithoutWritingALicence() throws Exception {
        run("keygen", "--out", dir.toString());
        String key = dir.resolve("authority.key").toString();
        Path lic = dir.resolve("x.licence");
        List<String[]> bad = List.of(
                new String[] {"sign", "--key", key, "--licensee", "L", "--grant", "no-equals-sign", "--not-before",
                        "2020-01-01T00:00:00Z", "--not-after", "2100-01-01T00:00:00Z", "--out", lic.toString()},
                new String[] {"sign", "--key", key, "--licensee", "L", "--grant", "f=a.b;version=[1.0", "--not-before",
                        "2020-01-01T00:00:00Z", "--not-after", "2100-01-01T00:00:00Z", "--out", lic.toString()},
                new String[] {"sign", "--key", key, "--licensee", "L", "--grant", "f=a.b", "--not-before",
                        "yesterday", "--not-after", "2100-01-01T00:00:00Z", "--out", lic.toString()},
                new String[] {"sign", "--key", key, "--licensee", "L", "--grant", "f=a.b", "--not-before",
                        "2100-01-01T00:00:00Z", "--not-after", "2020-01-01T00:00:00Z", "--out", lic.toString()},
                new String[] {"sign", "--key", dir.resolve("authority.pem").toString(), "--licensee", "L", "--grant",
                        "f=a.b", "--not-before", "2020-01-01T00:00:00Z", "--not-after", "2100-01-01T00:00:00Z",
                        "--out", lic.toString()},
                new String[] {"frobnicate"});
        for (String[] args : bad) {
            assertEquals(2, run(args), "accepted " + String.join(" ", args) + "\n" + out());
            assertTrue(!err().isEmpty(), "no message for " + String.join(" ", args));
            assertTrue(Files.notExists(lic), "wrote a licence for " + String.join(" ", args));
        }
    }

    /** The SDK runs the tool with `java -cp`: only the two jars' classes and Jackson, no OSGi framework. */
    @Test
    void theToolRunsInAPlainJvmWithoutOsgi() throws Exception {
        String cp = String.join(File.pathSeparator, System.getProperty("licensing.bundle.dir"),
                new File(dev.celadon.licensing.Licence.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                OsgiFramework.classPathJar("jackson-core-").toString(),
                OsgiFramework.classPathJar("jackson-databind-").toString(),
                OsgiFramework.classPathJar("jackson-annotations-").toString());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", cp, "dev.celadon.licensing.internal.LicenceTool",
                "keygen", "--out", dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
        assertTrue(output.startsWith("key id "), output);
        assertTrue(Files.exists(dir.resolve("authority.key")));
    }
}
