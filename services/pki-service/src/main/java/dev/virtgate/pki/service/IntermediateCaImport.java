package dev.virtgate.pki.service;

import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidInputException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;

import java.util.ArrayList;
import java.util.List;

/** Intermediate mode: the certificate an operator signed for the pending CSR makes the CA active. */
@ApplicationScoped
public class IntermediateCaImport {

    @Inject
    CaService ca;

    @Inject
    CrlService crls;

    /** Intermediate mode: imports the certificate an operator signed for the pending CSR. */
    @Transactional
    public CaCertificate importIntermediate(String certificatePem, List<String> chainPem) {
        CaCertificate pending = CaCertificate.pending()
                .orElseThrow(() -> new ConflictException("no intermediate CSR is waiting for a certificate"));
        X509CertificateHolder cert = Pem.read(certificatePem, X509CertificateHolder.class);
        if (cert == null) {
            throw InvalidInputException.malformed("certificatePem", "not a PEM certificate");
        }
        SubjectPublicKeyInfo requested = Pem.csr(pending.csrPem).getSubjectPublicKeyInfo();
        if (!requested.equals(cert.getSubjectPublicKeyInfo())) {
            throw InvalidInputException.unprocessable("certificatePem", "public key is not the Transit CA key");
        }
        BasicConstraints constraints = BasicConstraints.fromExtensions(cert.getExtensions());
        if (constraints == null || !constraints.isCA()) {
            throw InvalidInputException.unprocessable("certificatePem",
                    "not a CA certificate (basicConstraints cA=false)");
        }
        List<X509CertificateHolder> chain = new ArrayList<>();
        for (String pem : chainPem == null ? List.<String>of() : chainPem) {
            X509CertificateHolder issuer = Pem.read(pem, X509CertificateHolder.class);
            if (issuer == null) {
                throw InvalidInputException.malformed("chainPem", "not a PEM certificate");
            }
            chain.add(issuer);
        }
        if (chain.isEmpty()) {
            throw InvalidInputException.malformed("chainPem", "the issuer's certificate is required");
        }
        if (!signedBy(cert, chain.get(0))) {
            throw InvalidInputException.unprocessable("chainPem", "certificate is not signed by the first chain entry");
        }
        pending.certificatePem = Pem.write(cert);
        pending.chainPem = String.join("", chainPem);
        pending.serial = cert.getSerialNumber().toString(16);
        pending.notAfter = cert.getNotAfter().toInstant();
        pending.status = CaCertificate.Status.ACTIVE;
        crls.regenerate(pending);
        ca.verify();
        return pending;
    }

    private static boolean signedBy(X509CertificateHolder cert, X509CertificateHolder issuer) {
        try {
            return cert.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(issuer));
        } catch (Exception e) {
            return false;
        }
    }
}
