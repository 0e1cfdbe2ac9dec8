package dev.virtgate.agent.it;

import dev.virtgate.agent.pki.Csrs;
import dev.virtgate.agent.pki.LibvirtDn;
import dev.virtgate.agent.pki.MiniCa;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.events.CertIssued;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.StringReader;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Stands in for pki-service: a throwaway CA that answers CSRs with CertIssued events. */
public final class TestPki {
    public final MiniCa ca = new MiniCa("virtgate-test");

    public CertIssued issue(String hostId, String cluster, String fqdn, PublicKey key, List<String> ips) {
        X509Certificate cert = ca.issue(key, Csrs.subject(cluster, fqdn), List.of(fqdn), ips, Duration.ofDays(1));
        return new CertIssued(hostId, cluster, cert.getSerialNumber().toString(16), cert.getSubjectX500Principal().getName(),
                LibvirtDn.of(cert), Pem.encode(cert), List.of(), List.of(ca.certificatePem()),
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), "ENROLLMENT");
    }

    public static PublicKey csrKey(String csrPem) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
            return new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) p.readObject()).getPublicKey();
        }
    }
}
