package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.test.support.TestGrant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.licensing.LicenceGrant;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The licence gate as built, without a framework: the component description bnd generated (what Felix SCR reads)
 * requires exactly one LicenceGrant, statically, through a filter that the grant service of this bundle's licence
 * matches and a grant of the feature to another bundle (or of another feature to this one) does not; and this
 * bundle's symbolic name is the one the filter and the build's licence name.
 */
class LicenceGateTest {

    @Test
    void theComponentRegistersAnEnlightenmentOnlyThroughItsOwnGrant() throws Exception {
        Document d;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(
                "OSGI-INF/" + StimerEnlightenment.class.getName() + ".xml")) {
            assertNotNull(in, "no component description in target/classes/OSGI-INF");
            d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList provides = d.getElementsByTagName("provide");
        assertEquals(1, provides.getLength());
        assertEquals(Enlightenment.class.getName(), ((Element) provides.item(0)).getAttribute("interface"));
        NodeList refs = d.getElementsByTagName("reference");
        assertEquals(1, refs.getLength(), "the licence is its only reference");
        Element ref = (Element) refs.item(0);
        assertEquals(LicenceGrant.class.getName(), ref.getAttribute("interface"));
        assertTrue(ref.getAttribute("cardinality").isEmpty() || ref.getAttribute("cardinality").equals("1..1"),
                "mandatory");
        assertTrue(ref.getAttribute("policy").isEmpty() || ref.getAttribute("policy").equals("static"),
                "static: the component goes when the grant goes");
        String target = ref.getAttribute("target");
        assertEquals("(&(celadon.feature=hv-stimer)(celadon.licensee.bsn=dev.celadon.enlightenment.stimer))", target);

        Filter f = FrameworkUtil.createFilter(target);
        assertTrue(f.match(props("hv-stimer", "dev.celadon.enlightenment.stimer")));
        assertFalse(f.match(props("hv-stimer", "dev.example.rogue")), "the feature granted to another bundle");
        assertFalse(f.match(props("hv-timing", "dev.celadon.enlightenment.stimer")), "another feature");

        Manifest mf;
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("basedir", "."),
                "target", "classes", "META-INF", "MANIFEST.MF"))) {
            mf = new Manifest(in);
        }
        String bsn = mf.getMainAttributes().getValue("Bundle-SymbolicName");
        assertEquals(StimerEnlightenment.BSN, bsn.split(";")[0].trim(), "the bundle the licence names");
    }

    @Test
    void theActivatedComponentServesTheStimerFeatureAfterTiming() {
        StimerEnlightenment e = new StimerEnlightenment(TestGrant.of("hv-stimer", StimerEnlightenment.BSN));
        assertEquals("hv-stimer", e.feature());
        assertEquals(1 << 3, e.cpuid().features(), "AccessSyntheticTimerRegs");
        assertEquals(1 << 19, e.cpuid().miscFeatures(), "direct mode available");
        assertEquals(java.util.Set.of("hv-timing"), e.requires());
    }

    private static Hashtable<String, Object> props(String feature, String bsn) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(LicenceGrant.FEATURE, feature);
        p.put(LicenceGrant.LICENSEE_BSN, bsn);
        return p;
    }
}
