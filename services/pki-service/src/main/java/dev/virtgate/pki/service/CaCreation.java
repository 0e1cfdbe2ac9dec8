package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;

import java.time.Instant;

/**
 * Persists the CA for one Transit key version: a self-signed root, or an intermediate whose CSR waits
 * for an operator. Runs inside the caller's transaction (bootstrap or rotation).
 */
@ApplicationScoped
public class CaCreation {

    @Inject
    PkiConfig config;

    @Inject
    TransitCa transit;

    CaCertificate createRoot(VaultSecretsTransitKeyInfo key, int version) {
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(transit.keys().publicKey(key, version).getEncoded());
        X509CertificateHolder root = transit.certificates().selfSignedCa(caSubject(version), publicKey, version,
                config.caValidity());
        CaCertificate ca = new CaCertificate();
        ca.keyName = config.keyName();
        ca.keyVersion = version;
        ca.keyType = config.keyType().transitType();
        ca.status = CaCertificate.Status.ACTIVE;
        ca.serial = root.getSerialNumber().toString(16);
        ca.certificatePem = Pem.write(root);
        ca.createdAt = Instant.now();
        ca.notAfter = root.getNotAfter().toInstant();
        ca.persist();
        return ca;
    }

    void createPendingIntermediate(VaultSecretsTransitKeyInfo key, int version) {
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(transit.keys().publicKey(key, version).getEncoded());
        CaCertificate ca = new CaCertificate();
        ca.keyName = config.keyName();
        ca.keyVersion = version;
        ca.keyType = config.keyType().transitType();
        ca.status = CaCertificate.Status.PENDING;
        ca.csrPem = Pem.write(transit.certificates().intermediateCsr(caSubject(version), publicKey, version));
        ca.createdAt = Instant.now();
        ca.persist();
    }

    /** Key version 1 keeps the configured subject; later versions get " <version>" appended to the CN. */
    X500Name caSubject(int version) {
        X500Name configured = new X500Name(BCStyle.INSTANCE, config.caSubject());
        if (version <= 1) {
            return configured;
        }
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        for (RDN rdn : configured.getRDNs()) {
            var type = rdn.getFirst().getType();
            String value = IETFUtils.valueToString(rdn.getFirst().getValue());
            builder.addRDN(type, BCStyle.CN.equals(type) ? value + " " + version : value);
        }
        return builder.build();
    }
}
