package dev.celadon.licensing.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceState;

/**
 * The licensing command line (it needs the JDK, Jackson and these two jars, no OSGi framework):
 *
 * <pre>
 * keygen --out DIR [--name NAME]                 a new authority: DIR/NAME.key (private, 0600), DIR/NAME.pem
 * sign --key NAME.key --licensee NAME --grant feature=bsn[;version=range] ...
 *      --not-before T --not-after T [--host HOST-ID] [--id ID] --out FILE
 * verify --trust DIR [--machine-id FILE] FILE    prints the state; exit status 0 only if valid
 * hostid [--machine-id FILE]                     this host's id, for --host
 * </pre>
 *
 * Exit status: 0 done (or valid), 1 a check failed, 2 bad usage or I/O.
 */
public final class LicenceTool {
    private final PrintStream out;
    private final PrintStream err;

    LicenceTool(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new LicenceTool(System.out, System.err).run(args));
    }

    /** Runs one command; returns the exit status. */
    int run(String... args) {
        if (args.length == 0) {
            return usage("no command");
        }
        try {
            Options o = Options.parse(args);
            return switch (args[0]) {
                case "keygen" -> keygen(o);
                case "sign" -> sign(o);
                case "verify" -> verify(o);
                case "hostid" -> hostid(o);
                default -> usage("unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            return usage(e.getMessage());
        } catch (IOException | GeneralSecurityException | MalformedLicenceException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 2;
        }
    }

    private int keygen(Options o) throws UsageException, IOException, GeneralSecurityException {
        Path dir = Path.of(o.one("--out"));
        String name = o.optional("--name").orElse("authority");
        AuthorityKey key = AuthorityKey.generate();
        key.write(dir, name);
        out.println("key id " + key.keyId());
        out.println("private key " + dir.resolve(name + ".key") + " (keep it secret)");
        out.println("public key  " + dir.resolve(name + ".pem") + " (copy into a trust directory)");
        return 0;
    }

    private int sign(Options o) throws UsageException, IOException, GeneralSecurityException, MalformedLicenceException {
        AuthorityKey key = AuthorityKey.read(Path.of(o.one("--key")));
        List<Grant> grants = new ArrayList<>();
        for (String g : o.all("--grant")) {
            grants.add(LicenceDocument.parseGrant(g));
        }
        if (grants.isEmpty()) {
            throw new UsageException("sign needs at least one --grant feature=bsn[;version=range]");
        }
        String id = o.optional("--id").orElseGet(() -> {
            byte[] r = new byte[8];
            new SecureRandom().nextBytes(r);
            return "lic-" + HexFormat.of().formatHex(r);
        });
        Optional<String> host = o.optional("--host");
        Licence licence = new Licence(id, key.keyId(), o.one("--licensee"), instant(o.one("--not-before")),
                instant(o.one("--not-after")), host, grants);
        byte[] file = LicenceSigner.sign(licence, key.privateKey(), key.publicKey());
        // Signed bytes are re-read through the verifier's own parser, so the tool never writes a licence
        // the service would call malformed.
        LicenceVerifier.Result r = LicenceVerifier.check(file, TrustAnchors.of(key.publicKey()), licence.notBefore(),
                host);
        if (r.state() == LicenceState.MALFORMED) {
            throw new MalformedLicenceException(r.reason());
        }
        Path target = Path.of(o.one("--out"));
        Files.write(target, file);
        out.println("signed licence " + id + " by key " + key.keyId() + " -> " + target);
        return 0;
    }

    private int verify(Options o) throws UsageException, IOException {
        if (o.positional().size() != 1) {
            throw new UsageException("verify takes one licence file");
        }
        Path file = Path.of(o.positional().get(0));
        TrustAnchors trust = TrustAnchors.load(Path.of(o.one("--trust")));
        trust.problems().forEach(p -> err.println("trust: " + p));
        Optional<String> host;
        try {
            host = Optional.of(HostId.of(Path.of(o.optional("--machine-id").orElse(HostId.DEFAULT_MACHINE_ID.toString()))));
        } catch (IOException e) {
            host = Optional.empty();
        }
        LicenceVerifier.Result r = LicenceVerifier.check(LicenceDirectory.read(file), trust, Instant.now(), host);
        out.println(file + ": " + r.state() + ": " + r.reason());
        r.licence().ifPresent(l -> {
            out.println("  id        " + l.id());
            out.println("  issuer    " + l.issuer());
            out.println("  licensee  " + l.licensee());
            out.println("  valid     " + l.notBefore() + " .. " + l.notAfter());
            out.println("  host      " + l.host().orElse("any"));
            l.grants().forEach(g -> out.println("  grant     " + g));
        });
        return r.state() == LicenceState.VALID ? 0 : 1;
    }

    private int hostid(Options o) throws UsageException, IOException {
        out.println(HostId.of(Path.of(o.optional("--machine-id").orElse(HostId.DEFAULT_MACHINE_ID.toString()))));
        return 0;
    }

    private static Instant instant(String s) throws UsageException {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new UsageException("'" + s + "' is not an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
    }

    private int usage(String why) {
        err.println(why);
        err.println("usage: keygen --out DIR [--name NAME]");
        err.println("       sign --key FILE.key --licensee NAME --grant feature=bsn[;version=range] ... "
                + "--not-before T --not-after T [--host HOST-ID] [--id ID] --out FILE");
        err.println("       verify --trust DIR [--machine-id FILE] FILE");
        err.println("       hostid [--machine-id FILE]");
        return 2;
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** {@code --name value} pairs (repeatable) and positional arguments, after the command word. */
    record Options(List<String[]> pairs, List<String> positional) {
        static Options parse(String[] args) throws UsageException {
            List<String[]> pairs = new ArrayList<>();
            List<String> positional = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                if (args[i].startsWith("--")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException(args[i] + " needs a value");
                    }
                    pairs.add(new String[] {args[i], args[++i]});
                } else {
                    positional.add(args[i]);
                }
            }
            return new Options(pairs, positional);
        }

        List<String> all(String name) {
            return pairs.stream().filter(p -> p[0].equals(name)).map(p -> p[1]).toList();
        }

        Optional<String> optional(String name) throws UsageException {
            List<String> v = all(name);
            if (v.size() > 1) {
                throw new UsageException(name + " given " + v.size() + " times");
            }
            return v.stream().findFirst();
        }

        String one(String name) throws UsageException {
            return optional(name).orElseThrow(() -> new UsageException("missing " + name));
        }
    }
}
