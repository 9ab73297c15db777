package dev.celadon.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The celadon distribution as an operator meets it: started with bin/start, driven through its shell over SSH. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionTest {

    static KarafDistribution karaf;

    static final List<String> BUNDLES = List.of("dev.celadon.hypervisor.api", "dev.celadon.hypervisor.core",
            "dev.celadon.kvm", "dev.celadon.chipset", "dev.celadon.emulator", "dev.celadon.licensing.api",
            "dev.celadon.licensing", "dev.celadon.vhd", "dev.celadon.vmbus.api",
            "dev.celadon.vmbus.ring", "dev.celadon.vmbus.server", "dev.celadon.loader", "dev.celadon.guest.micro", "dev.celadon.guest.linux",
            "dev.celadon.guest.windows",
            "dev.celadon.device.serial", "dev.celadon.management", "dev.celadon.shell", "dev.celadon.shell.storage",
            "dev.celadon.shell.hv", "dev.celadon.enlightenment.timing", "dev.celadon.enlightenment.stimer",
            "dev.celadon.enlightenment.crash", "dev.celadon.ic");

    @BeforeAll
    static void start() throws Exception {
        karaf = KarafDistribution.copyOfBuild();
        karaf.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (karaf != null) {
            karaf.close();
            assertTrue(karaf.karafPids().isEmpty(), "a Karaf JVM was left running");
        }
    }

    /** Every backend that runs guests here: the emulator always, KVM where /dev/kvm exists. */
    static List<String> backends() {
        return Files.exists(Path.of("/dev/kvm")) ? List.of("emulator", "kvm") : List.of("emulator");
    }

    static String bundleOf(String backend) {
        return "dev.celadon." + backend;
    }

    @Test
    @Order(1)
    void everyCeladonBundleIsActiveAndTheFeatureInstalled() throws Exception {
        String bundles = karaf.execute("bundle:list -s");
        for (String bsn : BUNDLES) {
            boolean active = bundles.lines().anyMatch(l -> l.contains(bsn) && l.contains("Active"));
            assertTrue(active, bsn + " is not Active:\n" + bundles + "\n" + karaf.log());
        }
        String features = karaf.execute("feature:list -i");
        assertTrue(features.lines().anyMatch(l -> l.startsWith("celadon ")), features);
    }

    /** The build's development authority is trusted and its licences installed; its private key never ships. */
    @Test
    @Order(1)
    void theDistributionTrustsTheDevAuthorityAndHoldsNoPrivateKey() throws Exception {
        try (var trust = Files.list(karaf.home().resolve("etc/celadon/trust"))) {
            assertTrue(trust.anyMatch(p -> p.toString().endsWith(".pem")), "no trust anchor in etc/celadon/trust");
        }
        try (var licences = Files.list(karaf.home().resolve("data/celadon/licences"))) {
            // One per feature the development authority signs: hv-synic, hv-timing, hv-stimer, hv-crash.
            assertEquals(4, licences.filter(p -> p.toString().endsWith(".licence")).count());
        }
        // The private key the build signed with: its base64 body must appear in no file of the distribution.
        Path privateKey = Path.of(System.getProperty("user.dir")).resolve(
                "../bundles/licensing/target/dev-authority/private/celadon-dev.key").normalize();
        String body = Files.readString(privateKey).lines().filter(l -> !l.startsWith("-----"))
                .reduce("", String::concat);
        assertTrue(body.length() > 40, "cannot read the build's private key at " + privateKey);
        try (var all = Files.walk(karaf.home())) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                if (Files.size(f) < (8 << 20)) {
                    String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains(body), "the development authority's private key ships in " + f);
                }
            }
        }
    }

    /** The licences the build signed are valid in the distribution; vhd:* makes a disk qemu-img agrees with. */
    @Test
    @Order(1)
    void licencesAndDiskCommandsThroughTheShell() throws Exception {
        String licences = karaf.execute("license:list");
        for (String feature : new String[] {"hv-synic", "hv-timing", "hv-stimer", "hv-crash"}) {
            assertTrue(licences.lines().anyMatch(l -> l.contains(" valid ") && l.trim().endsWith(feature)),
                    "no valid licence for " + feature + ":\n" + licences);
        }
        Path disk = Files.createTempDirectory("celadon-itest").resolve("d.vhd");
        String created = karaf.execute("vhd:create " + disk + " --size 64M --type dynamic");
        assertTrue(Files.exists(disk), created);
        String info = karaf.execute("vhd:info " + disk);
        assertTrue(info.toLowerCase(Locale.ROOT).contains("dynamic"), info);
        Process q = new ProcessBuilder("qemu-img", "info", "-f", "vpc", disk.toString()).redirectErrorStream(true).start();
        String qemu = new String(q.getInputStream().readAllBytes());
        q.waitFor();
        assertTrue(qemu.contains("64 MiB") || qemu.contains("67108864"), qemu);
    }

    /** The line of hv:enlightenments for {@code feature} (columns: feature, provider, licence, active). */
    static String enlightenment(String table, String feature) {
        return table.lines().filter(l -> l.startsWith(feature + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("hv:enlightenments has no " + feature + " line:\n" + table));
    }

    static boolean active(String table, String feature) {
        return enlightenment(table, feature).matches(feature + "\\s+\\S+\\s+\\S+\\s+yes");
    }

    /**
     * The three enlightenment bundles run under the build's licences; removing one licence at runtime makes its
     * enlightenment inactive (and new partitions go without it) while the others stay, and installing the same
     * file again brings it back. Runs in the one Karaf the class starts.
     */
    @Test
    @Order(2)
    void enlightenmentsFollowTheirLicencesAtRuntime() throws Exception {
        String table = karaf.execute("hv:enlightenments");
        assertTrue(table.lines().findFirst().orElse("").matches("FEATURE\\s+PROVIDER\\s+LICENCE\\s+ACTIVE"), table);
        for (String f : List.of("timing", "stimer", "crash")) {
            String line = enlightenment(table, "hv-" + f);
            assertTrue(line.matches("hv-" + f + "\\s+dev\\.celadon\\.enlightenment\\." + f
                    + "/" + snapshotVersionRegex() + "\\s+celadon-dev-hv-" + f + "\\s+yes"), line + "\n" + table);
        }
        // Licensed, but no bundle of the distribution provides it: known, and not active.
        assertTrue(enlightenment(table, "hv-synic").matches("hv-synic\\s+.*not installed.*\\s+celadon-dev-hv-synic\\s+no: .*"),
                table);

        Path copy = Files.createTempDirectory("celadon-itest").resolve("stimer.licence");
        Files.copy(karaf.home().resolve("data/celadon/licences/celadon-dev-hv-stimer.licence"), copy);
        String removed = karaf.execute("license:remove celadon-dev-hv-stimer");
        assertTrue(removed.contains("Removed licence celadon-dev-hv-stimer"), removed);
        String without = karaf.awaitOutput("hv:enlightenments hv-stimer", " no: ", 30);
        assertTrue(enlightenment(without, "hv-stimer").matches("hv-stimer\\s+dev\\.celadon\\.enlightenment\\.stimer/\\S+"
                + "\\s+none\\s+no: waiting for a licence grant"), without);
        table = karaf.execute("hv:enlightenments");
        assertFalse(active(table, "hv-stimer"), table);
        assertTrue(active(table, "hv-timing") && active(table, "hv-crash"), table);

        // A partition created now goes without the timers (running ones would keep their view).
        karaf.execute("vm:create nostimer --cpus 1 --memory 64 --image demo --backend emulator");
        String started = karaf.execute("vm:start nostimer");
        assertTrue(started.contains("running"), started + karaf.log());
        String partition = karaf.execute("hv:partition nostimer");
        String got = partition.lines().filter(l -> l.startsWith("Enlightenments")).findFirst().orElse("");
        assertTrue(got.contains("hv-timing") && got.contains("hv-crash") && !got.contains("hv-stimer"), partition);
        karaf.execute("vm:stop nostimer");
        karaf.execute("vm:delete nostimer");

        String installed = karaf.execute("license:install " + copy);
        assertTrue(installed.contains("Installed celadon-dev-hv-stimer (valid)"), installed);
        table = karaf.awaitOutput("hv:enlightenments", "celadon-dev-hv-stimer", 30);
        assertTrue(active(table, "hv-stimer") && active(table, "hv-timing") && active(table, "hv-crash"), table);
        assertTrue(karaf.execute("license:list").lines().anyMatch(l -> l.startsWith("celadon-dev-hv-stimer ")
                && l.contains(" valid ")));
    }

    @Test
    @Order(2)
    void sshListensOnLoopbackOnly() throws Exception {
        String port = String.format("%04X", karaf.sshPort());
        boolean found = false;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(":" + port) && f[3].equals("0A")) { // 0A = LISTEN
                    found = true;
                    String addr = f[1].substring(0, f[1].indexOf(':'));
                    assertTrue(addr.equals("0100007F") || addr.equals("00000000000000000000000001000000") || addr.equals("0000000000000000FFFF00000100007F"),
                            "SSH listens on " + addr + ", not loopback (127.0.0.1, ::1 or ::ffff:127.0.0.1)");
                }
            }
        }
        assertTrue(found, "no listening socket on the SSH port " + karaf.sshPort());
    }

    @Test
    @Order(3)
    void aDemoVmThroughTheShell() throws Exception {
        for (String backend : backends()) {
            demoVmThroughTheShell(backend);
        }
    }

    private void demoVmThroughTheShell(String backend) throws Exception {
        System.out.println("itest: demo VM through the shell on " + backend);
        String t1 = "t1-" + backend;
        String created = karaf.execute("vm:create " + t1 + " --cpus 1 --memory 64 --image demo --backend " + backend);
        assertTrue(created.contains("VM " + t1 + " created"), created);
        assertTrue(created.contains("backend " + backend), created);
        String unknown = karaf.execute("vm:create t3 --image windows");
        assertTrue(unknown.contains("unknown image 'windows'") && unknown.contains("demo"), unknown);
        String again = karaf.execute("vm:create " + t1 + " --image demo");
        assertTrue(again.contains("already exists"), again);
        String bad = karaf.execute("vm:create t2 --cpus 0 --image demo");
        assertTrue(bad.contains("at least 1 vCPU"), bad);

        String started = karaf.execute("vm:start " + t1);
        assertTrue(started.contains("running"), started + karaf.log());
        karaf.awaitOutput("vm:log " + t1, "CELADON-DEMO cpus=1 mem_mib=64", 60);
        karaf.awaitOutput("vm:log " + t1, "echo ready", 60);
        karaf.execute("vm:send " + t1 + " hello karaf");
        karaf.awaitOutput("vm:log " + t1, "echo: hello karaf", 60);

        String info = karaf.execute("vm:info " + t1).toLowerCase(Locale.ROOT);
        assertTrue(info.contains("running"), info);
        assertTrue(info.contains("backend") && info.contains(backend), info);
        if (backend.equals("emulator")) {
            assertTrue(info.contains("emulator"), info);
        } else {
            assertTrue(info.contains("software-nested") || info.contains("hardware-assisted"), info);
        }
        assertTrue(karaf.execute("vm:list").lines().anyMatch(l -> l.contains(t1) && l.contains(backend)));
        if (backend.equals("emulator")) {
            // Created with every enlightenment the distribution licenses; hv:partition lists what it got.
            String hv = karaf.execute("hv:partition " + t1);
            String got = hv.lines().filter(l -> l.startsWith("Enlightenments")).findFirst().orElse("");
            assertTrue(got.contains("hv-timing") && got.contains("hv-stimer") && got.contains("hv-crash"), hv);
        }
        String twice = karaf.execute("vm:start " + t1);
        assertTrue(twice.contains("already running"), twice);

        String stopped = karaf.execute("vm:stop " + t1);
        assertTrue(stopped.contains("stopped"), stopped);
        assertTrue(karaf.execute("vm:list").lines().anyMatch(l -> l.contains(t1) && l.contains("stopped")));
    }

    /** Bundles come and go at runtime: taking a backend away powers its VMs off and leaves no vCPU thread. */
    @Test
    @Order(4)
    void eachBackendCanBeStoppedAndStartedWhileAVmRuns() throws Exception {
        for (String backend : backends()) {
            backendStoppedAndStarted(backend);
        }
    }

    private void backendStoppedAndStarted(String backend) throws Exception {
        System.out.println("itest: the " + backend + " bundle stopped and started while a VM runs");
        String bundle = bundleOf(backend);
        karaf.execute("vm:create hot --cpus 2 --memory 64 --image demo --backend " + backend);
        karaf.execute("vm:start hot");
        karaf.awaitOutput("vm:log hot", "echo ready", 60);
        assertTrue(vcpuThreads() > 0, "a running VM has vCPU threads");

        String stopped = karaf.execute("bundle:stop " + bundle);
        assertFalse(stopped.contains("Error"), stopped);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (vcpuThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0, vcpuThreads(), "vCPU threads left after the backend went away");

        String failed = karaf.execute("vm:info hot");
        assertTrue(failed.toLowerCase(Locale.ROOT).contains("stopped") || failed.contains("failed"), failed);
        karaf.execute("bundle:start " + bundle);
        karaf.awaitOutput("vm:list", "hot", 60);
        String started = karaf.execute("vm:start hot");
        assertTrue(started.contains("running"), started + karaf.log());
        karaf.awaitOutput("vm:log hot", "all 2 vcpus up", 60);
        karaf.execute("vm:stop hot");
        karaf.execute("vm:delete hot");
    }

    /**
     * Threads of the VM "hot" in the Karaf JVM (vCPUs, its APIC timer), counted from /proc (outside the JVM); the
     * kernel keeps 15 characters of a thread's name, so "celadon-hot-" is what identifies them.
     */
    static long vcpuThreads() throws Exception {
        long n = 0;
        for (long pid : karaf.karafPids()) {
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) {
                    try {
                        if (Files.readString(t.resolve("comm")).startsWith("celadon-hot-")) {
                            n++;
                        }
                    } catch (java.io.IOException gone) {
                        // the thread ended while we looked
                    }
                }
            }
        }
        return n;
    }

    @Test
    @Order(5)
    void definitionsSurviveARestartAndACorruptOneIsNamed() throws Exception {
        karaf.execute("vm:create keep --cpus 2 --memory 128 --image demo");
        Path vms = karaf.home().resolve("data/celadon/vms");
        Files.writeString(vms.resolve("broken.json"), "{ not json");

        karaf.restart();

        String list = karaf.execute("vm:list");
        assertTrue(list.contains("keep"), list);
        assertTrue(list.contains("Skipped definition broken.json"), list);
        assertTrue(list.contains("t1-emulator"), list);
        String deleted = karaf.execute("vm:delete keep");
        assertTrue(deleted.contains("deleted"), deleted);
        assertFalse(Files.exists(vms.resolve("keep.json")));
        assertEquals(0, karaf.execute("vm:list").lines().filter(l -> l.contains("keep")).count());
    }

    // --- A third party's enlightenment, licensed by its own authority (samples/enlightenment-sample) ---

    static final String SAMPLE_FEATURE = "sample-relaxed-timing";
    static final String SAMPLE_BSN = "dev.celadon.samples.enlightenment";
    static final String SAMPLE_LICENCE = "sample-relaxed-timing-1";
    /** HV_X64_RELAXED_TIMING_RECOMMENDED, 0x40000004 EAX bit 5: what the sample adds. */
    static final int RELAXED_TIMING = 1 << 5;

    /**
     * The steps samples/README.md gives a third party, as an operator runs them: an authority key made with
     * LicenceTool (a separate JVM on the distribution's own jars), a licence it signs for the sample's feature and
     * bundle; the bundle installed at runtime waits for a licence; the licence is refused while its signer is not
     * trusted, accepted once the public key is in etc/celadon/trust (no restart); a guest created afterwards reads
     * the bit in CPUID (guest-micro's hvenl prints 0x40000004 EAX) and hv:partition lists the feature; the bundle
     * is replaced by its next build (micro version + 1) with bundle:update (same bundle id, active again) and uninstalled, after which
     * guests go without the bit and a VM created before the sample kept running throughout.
     */
    @Test
    @Order(6)
    void aThirdPartyEnlightenmentWorksOnlyUnderItsTrustedLicenceAndComesAndGoesAtRuntime() throws Exception {
        Path jar = Path.of(System.getProperty("celadon.sample.jar", "")).toAbsolutePath();
        Path next = Path.of(System.getProperty("celadon.sample.jar.next", "")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar) && Files.isRegularFile(next),
                "build samples/enlightenment-sample first (mvn install): no " + jar + " or " + next);
        Path work = Files.createTempDirectory("celadon-sample-");
        Path hvenl = extractHvenl(work);

        // The authority: a fresh key pair and a licence for the sample's feature, granted to its bundle 0.1.x.
        Path keys = work.resolve("keys");
        licenceTool("keygen", "--out", keys.toString(), "--name", "sample-authority");
        Path licence = work.resolve("sample.licence");
        java.time.Instant now = java.time.Instant.now();
        licenceTool("sign", "--key", keys.resolve("sample-authority.key").toString(), "--licensee", "Sample SDK user",
                "--grant", SAMPLE_FEATURE + "=" + SAMPLE_BSN + ";version=[0.1,1)", "--id", SAMPLE_LICENCE,
                "--not-before", now.minusSeconds(3600).toString(), "--not-after", now.plusSeconds(86400).toString(),
                "--out", licence.toString());

        // A VM from before the sample: it must run through everything below.
        karaf.execute("vm:create plain --cpus 1 --memory 64 --image demo --backend emulator");
        assertTrue(karaf.execute("vm:start plain").contains("running"), karaf.log());
        karaf.awaitOutput("vm:log plain", "echo ready", 60);
        int without = recommendations(hvenl, "enl-before");
        assertEquals(0, without & RELAXED_TIMING, "the bit is set before the sample is installed");
        assertFalse(karaf.execute("hv:enlightenments").contains(SAMPLE_FEATURE));

        // Installed and started: its component waits for a grant.
        String installed = karaf.execute("bundle:install -s file:" + jar);
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("Bundle ID: (\\d+)").matcher(installed);
        assertTrue(id.find(), installed);
        String bundleId = id.group(1);
        String waiting = karaf.awaitOutput("hv:enlightenments " + SAMPLE_FEATURE, "waiting for a licence grant", 30);
        assertTrue(enlightenment(waiting, SAMPLE_FEATURE).matches(SAMPLE_FEATURE + "\\s+" + java.util.regex.Pattern.quote(SAMPLE_BSN)
                + "/" + snapshotVersionRegex() + "\\s+none\\s+no: waiting for a licence grant"), waiting);

        // Its licence, while the authority is not trusted: refused, nothing installed, still inactive.
        String refused = karaf.execute("license:install " + licence);
        assertTrue(refused.contains(licence + ": not installed: ") && refused.contains(": unknown signer: key ")
                && refused.contains(" is not among the trust anchors"), refused);
        assertFalse(Files.exists(karaf.home().resolve("data/celadon/licences/" + SAMPLE_LICENCE + ".licence")));
        assertFalse(karaf.execute("license:list").contains(SAMPLE_LICENCE));
        assertFalse(active(karaf.execute("hv:enlightenments"), SAMPLE_FEATURE));

        // The operator trusts the authority (its public key into etc/celadon/trust), then installs the licence.
        Path anchor = karaf.home().resolve("etc/celadon/trust/sample-authority.pem");
        Files.copy(keys.resolve("sample-authority.pem"), anchor);
        String accepted = karaf.execute("license:install " + licence);
        assertTrue(accepted.contains("Installed " + SAMPLE_LICENCE + " (valid)"), accepted);
        String table = karaf.awaitOutput("hv:enlightenments " + SAMPLE_FEATURE, " yes", 30);
        assertTrue(enlightenment(table, SAMPLE_FEATURE).matches(SAMPLE_FEATURE + "\\s+" + java.util.regex.Pattern.quote(SAMPLE_BSN)
                + "/" + snapshotVersionRegex() + "\\s+" + SAMPLE_LICENCE + "\\s+yes"), table);

        // A VM created now gets it: hv:partition lists it, the guest reads the bit, nothing else changed.
        karaf.execute("vm:create sampled --cpus 1 --memory 64 --image demo --backend emulator");
        assertTrue(karaf.execute("vm:start sampled").contains("running"), karaf.log());
        karaf.awaitOutput("vm:log sampled", "echo ready", 60);
        assertTrue(enlightenmentsOf("sampled").contains(SAMPLE_FEATURE), karaf.execute("hv:partition sampled"));
        assertFalse(enlightenmentsOf("plain").contains(SAMPLE_FEATURE), "a running VM keeps what it was created with");
        assertEquals(without | RELAXED_TIMING, recommendations(hvenl, "enl-licensed"));

        // Replaced by its next build: same bundle, the next micro version, active again under the same licence. The core
        // fails the partition that used the old code (it must not outlive its bundle); the VM from before runs on.
        String updated = karaf.execute("bundle:update " + bundleId + " file:" + next);
        assertFalse(updated.toLowerCase(Locale.ROOT).contains("error"), updated);
        String nextVersion = nextMicroVersion();
        table = karaf.awaitOutput("hv:enlightenments " + SAMPLE_FEATURE, "/" + nextVersion + " ", 30);
        assertTrue(enlightenment(table, SAMPLE_FEATURE).matches(SAMPLE_FEATURE + "\\s+" + java.util.regex.Pattern.quote(SAMPLE_BSN)
                + "/" + java.util.regex.Pattern.quote(nextVersion) + "\\s+" + SAMPLE_LICENCE + "\\s+yes"), table);
        assertTrue(karaf.execute("bundle:list -s").lines().anyMatch(l -> l.trim().startsWith(bundleId + " ")
                && l.contains("Active") && l.contains(nextVersion) && l.contains(SAMPLE_BSN)), karaf.execute("bundle:list -s"));
        String failed = karaf.awaitOutput("vm:info sampled", "went away", 30);
        assertTrue(failed.contains("enlightenment " + SAMPLE_FEATURE + " went away while the partition used it"), failed);
        assertEquals(without | RELAXED_TIMING, recommendations(hvenl, "enl-updated"));

        // Uninstalled: no provider any more (the licence alone is still listed, inactive); guests go without the bit.
        karaf.execute("bundle:uninstall " + bundleId);
        table = karaf.awaitOutput("hv:enlightenments " + SAMPLE_FEATURE, "not installed", 30);
        assertTrue(enlightenment(table, SAMPLE_FEATURE).matches(SAMPLE_FEATURE + "\\s+none \\(licensed to "
                + java.util.regex.Pattern.quote(SAMPLE_BSN) + ", not installed\\)\\s+" + SAMPLE_LICENCE + "\\s+no: .*"), table);
        assertFalse(karaf.execute("bundle:list -s").contains(SAMPLE_BSN));
        assertEquals(without, recommendations(hvenl, "enl-after"));
        karaf.execute("vm:send plain still here");
        karaf.awaitOutput("vm:log plain", "echo: still here", 60);

        // Cleaning up as an operator would: licence removed, then the authority's key; the feature is gone.
        assertTrue(karaf.execute("license:remove " + SAMPLE_LICENCE).contains("Removed licence " + SAMPLE_LICENCE));
        Files.delete(anchor);
        assertFalse(karaf.execute("hv:enlightenments").contains(SAMPLE_FEATURE));
        for (String vm : List.of("plain", "sampled")) {
            karaf.execute("vm:stop " + vm);
            karaf.execute("vm:delete " + vm);
        }
    }

    /** This build's version with micro + 1: the sample's next build (bnd-next.bnd), and the storvsp "next release". */
    static String nextMicroVersion() {
        String[] v = celadonVersion().replace("-SNAPSHOT", "").split("\\.");
        return v[0] + "." + v[1] + "." + (Integer.parseInt(v[2]) + 1);
    }

    /** This build's Bundle-Version as bnd writes it for a snapshot (0.2.0-SNAPSHOT -> 0.2.0.<timestamp>), as a regex. */
    static String snapshotVersionRegex() {
        return java.util.regex.Pattern.quote(celadonVersion().replace("-SNAPSHOT", "")) + "\\.\\S+";
    }

    static String celadonVersion() {
        String v = System.getProperty("celadon.version");
        assertTrue(v != null, "celadon.version is not set (itests/pom.xml passes the project version)");
        return v;
    }

    /** Where the distribution's system/ repository keeps a Celadon artifact of this build's version. */
    static String celadonJar(String artifact) {
        String v = celadonVersion();
        return "dev/celadon/" + artifact + "/" + v + "/" + artifact + "-" + v + ".jar";
    }

    /** Runs the SDK's licence tool (sdk/target/sdk/celadon-sdk-VERSION/bin/celadon-licence) as an authority would. */
    static void licenceTool(String... args) throws Exception {
        Path tool = Path.of(System.getProperty("celadon.sdk", "missing"), "bin", "celadon-licence");
        assertTrue(Files.isExecutable(tool), "no SDK licence tool at " + tool + " (build the sdk module first)");
        List<String> command = new java.util.ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests: 17
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "LicenceTool " + args[0] + " hangs");
        assertEquals(0, p.exitValue(), "LicenceTool " + String.join(" ", args) + ":\n" + out);
    }

    /** guest-micro's hvenl micro-guest, taken from the distribution's own guest-micro bundle. */
    static Path extractHvenl(Path dir) throws Exception {
        Path bundle = karaf.home().resolve("system").resolve(celadonJar("dev.celadon.guest.micro"));
        Path elf = dir.resolve("hvenl.elf");
        try (var zip = new java.util.zip.ZipFile(bundle.toFile())) {
            var entry = zip.getEntry("dev/celadon/guest/micro/images/hvenl.elf");
            assertTrue(entry != null, "no hvenl.elf in " + bundle);
            try (var in = zip.getInputStream(entry)) {
                Files.copy(in, elf);
            }
        }
        return elf;
    }

    /**
     * Boots hvenl ("part=0": print the Hyper-V CPUID leaves, power off) in a new VM on the emulator and returns
     * the 0x40000004 EAX the guest read.
     */
    static int recommendations(Path hvenl, String vm) throws Exception {
        karaf.execute("vm:create " + vm + " --cpus 1 --memory 64 --kernel " + hvenl + " --cmdline part=0 --backend emulator");
        String started = karaf.execute("vm:start " + vm);
        assertFalse(started.contains("failed"), started + karaf.log()); // "running", or already "stopped" (powered off)
        String log = karaf.awaitOutput("vm:log " + vm, "hvenl done", 60);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("recommendations=([0-9a-f]+)").matcher(log);
        assertTrue(m.find(), log);
        karaf.execute("vm:stop " + vm);
        karaf.execute("vm:delete " + vm);
        return Integer.parseUnsignedInt(m.group(1), 16);
    }

    /** The "Enlightenments" line of hv:partition. */
    static String enlightenmentsOf(String vm) throws Exception {
        String hv = karaf.execute("hv:partition " + vm);
        return hv.lines().filter(l -> l.startsWith("Enlightenments")).findFirst()
                .orElseThrow(() -> new AssertionError("hv:partition " + vm + " lists no enlightenments:\n" + hv));
    }
}
