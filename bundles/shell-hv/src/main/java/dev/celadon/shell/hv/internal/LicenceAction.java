package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceStatus;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * The license:* commands. The licence service is an optional reference: a mandatory one would unregister every
 * command of this bundle, hv:partition included, while the licensing bundle is absent or restarting (the
 * house's trap 6). Its absence is said in words instead.
 */
abstract class LicenceAction extends HvAction {

    static final String ABSENT = "the licence service is not running (the dev.celadon.licensing bundle is not "
            + "installed or not active; bundle:list shows it)";

    @Reference(optional = true)
    LicenceService licences;

    LicenceService service() {
        LicenceService s = licences;
        if (s == null) {
            throw new ShellException(ABSENT);
        }
        return s;
    }

    static String features(LicenceStatus s) {
        return s.licence().map(l -> l.grants().stream().map(g -> g.feature()).collect(Collectors.joining(",")))
                .orElse("-");
    }

    static String until(LicenceStatus s) {
        return s.licence().map(Licence::notAfter).map(Object::toString).orElse("-");
    }
}
