package dev.virtgate.pki.service;

import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What an issued certificate comes with: its issuing CA, the chain above that CA and the CA bundle. */
@ApplicationScoped
public class CaChains {

    public CertificateFactory.Issuer issuer(CaCertificate ca) {
        return new CertificateFactory.Issuer(Pem.certificate(ca.certificatePem), ca.keyVersion);
    }

    /** Certificates above the issuing CA: empty for a root, the CA and its chain for an intermediate. */
    public List<String> chain(CaCertificate ca) {
        if (ca.chainPem == null || ca.chainPem.isBlank()) {
            return List.of();
        }
        List<String> chain = new ArrayList<>();
        chain.add(ca.certificatePem);
        chain.addAll(split(ca.chainPem));
        return chain;
    }

    /** Every CA a host must trust now: all ACTIVE CAs (old and new during a rotation) and their chains. */
    public List<String> bundle() {
        Set<String> bundle = new LinkedHashSet<>();
        for (CaCertificate ca : CaCertificate.active()) {
            bundle.add(ca.certificatePem);
            if (ca.chainPem != null) {
                bundle.addAll(split(ca.chainPem));
            }
        }
        return List.copyOf(bundle);
    }

    static List<String> split(String pems) {
        return Arrays.stream(pems.split("(?=-----BEGIN CERTIFICATE-----)")).filter(s -> !s.isBlank())
                .map(s -> s.endsWith("\n") ? s : s + "\n").toList();
    }
}
