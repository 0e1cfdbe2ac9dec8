package dev.virtgate.pki.service;

import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.pki.config.CaKeyType;
import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.pki.SignerIdentity;
import dev.virtgate.pki.pki.TransitKeys;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Certifies each service's event-signing Transit key ({@code virtgate-events-<service>}): creates it
 * (ecdsa-p256, not exportable) when missing, refuses a key that could ever leave OpenBao, and keeps
 * one live certificate for the key's latest version under the current CA. The certificate is
 * re-issued when a third of its life is left, the key was rotated, the CA changed or it was
 * revoked; the one it replaces is marked superseded and stays valid until it expires. Signer
 * certificates are issued certificates like any other: listed and revocable ({@code service:<name>}).
 */
@ApplicationScoped
public class SignerCertificateService {
    private static final Logger LOG = Logger.getLogger(SignerCertificateService.class);
    public static final String REASON = "EVENT_SIGNER";

    /** What is published for a service: the key version certified and the chain, leaf first, PEM. */
    public record SignerCertificate(String service, int keyVersion, String serial, String chainPem) {
    }

    @Inject
    VaultClient vault;

    @Inject
    PkiConfig config;

    @Inject
    CaService ca;

    @Inject
    CaChains chains;

    @Inject
    TransitCa transit;

    /** The live signer certificate for the service's current key, issued if needed; empty if the key is unsafe. */
    public Optional<SignerCertificate> certify(String service) {
        TransitKeys keys = new TransitKeys(vault, config.transitMount(), TrustStorePaths.transitKey(service),
                CaKeyType.ECDSA_P256);
        VaultSecretsTransitKeyInfo info = keys.read().orElseGet(() -> {
            LOG.infof("creating event-signing Transit key %s (ecdsa-p256, not exportable)", keys.keyName());
            return keys.create();
        });
        String unsafe = unsafe(info);
        if (unsafe != null) {
            LOG.errorf("Transit key %s is %s: no signer certificate for %s, its events will be refused",
                    keys.keyName(), unsafe, service);
            return Optional.empty();
        }
        int version = info.getLatestVersion();
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.publicKey(info, version).getEncoded());
        return Optional.of(QuarkusTransaction.requiringNew()
                .call(() -> currentOrIssued(new SignerIdentity(service), publicKey, version)));
    }

    /** Why the key may not be certified (exportable, plaintext backup allowed, another type); null when it may. */
    public static String unsafe(VaultSecretsTransitKeyInfo key) {
        if (Boolean.TRUE.equals(key.isExportable())) {
            return "exportable";
        }
        if (Boolean.TRUE.equals(key.isAllowPlaintextBackup())) {
            return "allowed a plaintext backup";
        }
        if (key.getType() == null || !CaKeyType.ECDSA_P256.transitType().equals(key.getType().getValue())) {
            return "not " + CaKeyType.ECDSA_P256.transitType();
        }
        return null;
    }

    private SignerCertificate currentOrIssued(SignerIdentity signer, SubjectPublicKeyInfo publicKey, int version) {
        ca.requireReady();
        CaCertificate issuingCa = CaCertificate.current().orElseThrow();
        Instant now = Instant.now();
        List<IssuedCertificate> live = IssuedCertificate.list("hostId = ?1 and revokedAt is null "
                + "and supersededBy is null and notAfter > ?2 order by issuedAt desc", signer.id(), now);
        IssuedCertificate newest = live.isEmpty() ? null : live.get(0);
        if (newest != null && newest.caId.equals(issuingCa.id) && newest.renewAfter.isAfter(now)
                && Pem.certificate(newest.certificatePem).getSubjectPublicKeyInfo().equals(publicKey)) {
            return published(signer, version, newest);
        }
        IssuedCertificate fresh = issue(signer, publicKey, version);
        live.forEach(old -> old.supersededBy = fresh.serial);
        return published(signer, version, fresh);
    }

    private IssuedCertificate issue(SignerIdentity signer, SubjectPublicKeyInfo publicKey, int version) {
        LeafTerms terms = LeafTerms.startingNow(config.signerValidity(), config.retryAfterSeconds());
        X509CertificateHolder cert = transit.certificates().signerLeaf(chains.issuer(terms.ca()), signer, publicKey,
                terms.serial(), terms.notBefore(), terms.notAfter());
        IssuedCertificate issued = terms.record(cert, signer.id(), SignerIdentity.ORGANIZATIONAL_UNIT,
                signer.subjectDn(), signer.libvirtDn(), REASON);
        LOG.infof("signer certificate %s issued for %s (Transit %s v%d, until %s)", issued.serial, signer.service(),
                TrustStorePaths.transitKey(signer.service()), version, terms.notAfter());
        return issued;
    }

    private SignerCertificate published(SignerIdentity signer, int version, IssuedCertificate cert) {
        CaCertificate issuer = CaCertificate.findById(cert.caId);
        String chain = cert.certificatePem + String.join("", chains.chain(issuer));
        return new SignerCertificate(signer.service(), version, cert.serial, chain);
    }
}
