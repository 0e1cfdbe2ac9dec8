package dev.virtgate.migration.mtls;

import java.util.HashMap;
import java.util.Map;

/** {@link MtlsProfile} plus the test CA's CRL, re-read every second so a rewritten CRL shows quickly. */
public class MtlsCrlProfile extends MtlsProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("virtgate.https.client-crl", TestPki.crlPem().toString());
        overrides.put("virtgate.https.reload-period", "1s");
        return overrides;
    }
}
