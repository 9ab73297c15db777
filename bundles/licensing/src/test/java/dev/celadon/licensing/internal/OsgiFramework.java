package dev.celadon.licensing.internal;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

import dev.celadon.licensing.LicenceGrant;
import dev.celadon.licensing.LicenceService;

/**
 * A real Apache Felix framework with Felix SCR, Jackson and the licensing bundle as built (target/classes with the
 * manifest bnd wrote), in temporary directories. The API package comes from the class path through the system
 * bundle, so the test and the bundles share {@link LicenceService} and {@link LicenceGrant}.
 */
final class OsgiFramework implements AutoCloseable {
    static final String TIMING_BSN = "dev.celadon.enlightenment.timing";
    static final String ROGUE_BSN = "dev.example.rogue";

    final Path root;
    final Path trustDir;
    final Path licenceDir;
    final Path machineIdFile;
    final String machineId = "0123456789abcdef0123456789abcdef";
    private final Framework framework;
    final BundleContext context;
    final Bundle licensing;

    OsgiFramework(Path root) throws IOException, BundleException {
        this.root = root;
        this.trustDir = Files.createDirectories(root.resolve("etc/celadon/trust"));
        this.licenceDir = Files.createDirectories(root.resolve("data/celadon/licences"));
        this.machineIdFile = root.resolve("machine-id");
        Files.writeString(machineIdFile, machineId + "\n");
        Map<String, String> config = new HashMap<>();
        config.put("org.osgi.framework.storage", root.resolve("felix-cache").toString());
        config.put("org.osgi.framework.storage.clean", "onFirstInit");
        config.put("org.osgi.framework.system.packages.extra", "dev.celadon.licensing;version=\"1.0.0\"");
        config.put("celadon.licensing.trust.dir", trustDir.toString());
        config.put("celadon.licensing.licence.dir", licenceDir.toString());
        config.put("celadon.licensing.recheck.seconds", "1");
        config.put("celadon.licensing.machine.id.file", machineIdFile.toString());
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
        context = framework.getBundleContext();
        List<Bundle> started = new ArrayList<>();
        for (String jar : List.of("org.osgi.util.function-", "org.osgi.util.promise-", "org.osgi.service.component-1",
                "jackson-core-", "jackson-annotations-", "jackson-databind-", "org.apache.felix.scr-")) {
            started.add(context.installBundle(classPathJar(jar).toURI().toString()));
        }
        licensing = context.installBundle("reference:" + new File(System.getProperty("licensing.bundle.dir")).toURI());
        started.add(licensing);
        for (Bundle b : started) {
            b.start();
        }
    }

    /** The jar on the test class path whose file name starts with this prefix. */
    static File classPathJar(String prefix) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File f = new File(entry);
            if (f.getName().startsWith(prefix) && f.getName().endsWith(".jar")) {
                return f;
            }
        }
        throw new IllegalStateException("no " + prefix + "*.jar on the test class path");
    }

    LicenceService service() {
        ServiceReference<LicenceService> ref = context.getServiceReference(LicenceService.class);
        if (ref == null) {
            throw new AssertionError("no LicenceService registered; licensing bundle state " + licensing.getState());
        }
        return context.getService(ref);
    }

    Collection<ServiceReference<LicenceGrant>> grants() {
        try {
            return context.getServiceReferences(LicenceGrant.class, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the fixture component of bundle {@code bsn} hands out: the licence id it was activated with, or null. */
    @SuppressWarnings("unchecked")
    String enlightenment(String bsn) {
        try {
            for (ServiceReference<Supplier> ref : context.getServiceReferences(Supplier.class, "(fixture.bsn=" + bsn + ")")) {
                Supplier<String> s = context.getService(ref);
                if (s != null) {
                    try {
                        return s.get();
                    } finally {
                        context.ungetService(ref);
                    }
                }
            }
            return null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Installs and starts a bundle holding {@link dev.celadon.licensing.fixture.GatedEnlightenment} as a DS
     * component that requires {@code LicenceGrant} with this target filter by constructor injection.
     */
    Bundle fixtureBundle(String bsn, String version, String target) throws IOException, BundleException {
        Path jar = root.resolve(bsn + "-" + version + ".jar");
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", "dev.celadon.licensing;version=\"[1.0,2)\"");
        a.putValue("Service-Component", "OSGI-INF/gated.xml");
        String cls = "dev/celadon/licensing/fixture/GatedEnlightenment.class";
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.4.0" name="%s.gated" immediate="true" init="1">
                  <implementation class="dev.celadon.licensing.fixture.GatedEnlightenment"/>
                  <property name="fixture.bsn" type="String" value="%s"/>
                  <service><provide interface="java.util.function.Supplier"/></service>
                  <reference name="grant" interface="dev.celadon.licensing.LicenceGrant" cardinality="1..1"
                      policy="static" parameter="0" target="%s"/>
                </scr:component>
                """.formatted(bsn, bsn, target.replace("&", "&amp;"));
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            out.putNextEntry(new JarEntry("OSGI-INF/gated.xml"));
            out.write(xml.getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new JarEntry(cls));
            out.write(Files.readAllBytes(Path.of(System.getProperty("licensing.test.classes")).resolve(cls)));
        }
        Bundle b = context.installBundle(jar.toUri().toString());
        b.start();
        return b;
    }

    static boolean await(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }
}
