package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.ClientIdentity;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.support.error.InvalidInputException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Issues mTLS client certificates for API users (role operator or viewer). They are short-lived and
 * never renewed by the host renewal flow; no event is emitted, since no host consumes them.
 */
@ApplicationScoped
public class ClientCertificateService {
    private static final Logger LOG = Logger.getLogger(ClientCertificateService.class);
    public static final String REASON = "CLIENT";

    @Inject
    PkiConfig config;

    @Inject
    CaService ca;

    @Inject
    CaChains chains;

    @Inject
    TransitCa transit;

    @Transactional
    public IssuedCertificate issue(String name, String role, String csrPem, String validity) {
        ClientIdentity client = new ClientIdentity(checkName(name), checkRole(role));
        Duration life = checkValidity(validity);
        CsrInspector.CsrFacts csr = CsrInspector.inspect(csrPem);
        checkCsrNames(client, csr);
        ca.requireReady();
        LeafTerms terms = LeafTerms.startingNow(life, config.retryAfterSeconds());
        X509CertificateHolder cert = transit.certificates().clientLeaf(chains.issuer(terms.ca()), client,
                csr.publicKeyInfo(), terms.serial(), terms.notBefore(), terms.notAfter());
        // Renewal and CA-rotation re-issue skip client ids: their holders request new certificates.
        IssuedCertificate issued = terms.record(cert, client.id(), ClientIdentity.ORGANIZATIONAL_UNIT,
                client.subjectDn(), client.libvirtDn(), REASON);
        LOG.infof("client certificate %s issued to %s (role %s, until %s)", issued.serial, client.name(),
                client.role().value(), terms.notAfter());
        return issued;
    }

    static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw InvalidInputException.malformed("name", "missing");
        }
        if (!ClientIdentity.NAME.matcher(name).matches()) {
            throw InvalidInputException.malformed("name", "must match " + ClientIdentity.NAME.pattern());
        }
        return name;
    }

    static ClientIdentity.Role checkRole(String role) {
        if (role == null || role.isBlank()) {
            throw InvalidInputException.malformed("role", "missing");
        }
        ClientIdentity.Role parsed = ClientIdentity.Role.parse(role);
        if (parsed == null) {
            throw InvalidInputException.malformed("role", "must be operator or viewer");
        }
        return parsed;
    }

    Duration checkValidity(String validity) {
        if (validity == null) {
            return within(config.clientCertValidity());
        }
        Duration life;
        try {
            life = Duration.parse(validity);
        } catch (DateTimeParseException e) {
            throw InvalidInputException.malformed("validity", "not an ISO-8601 duration such as P7D");
        }
        if (life.isNegative() || life.isZero()) {
            throw InvalidInputException.malformed("validity", "must be positive");
        }
        return within(life);
    }

    private Duration within(Duration life) {
        if (life.compareTo(config.clientCertMaxValidity()) > 0) {
            throw InvalidInputException.unprocessable("validity",
                    "longer than the maximum " + config.clientCertMaxValidity());
        }
        return life;
    }

    /** The CA decides the names; a CSR asking for others is refused rather than silently rewritten. */
    static void checkCsrNames(ClientIdentity client, CsrInspector.CsrFacts csr) {
        if (csr.commonName() != null && !csr.commonName().equals(client.name())) {
            throw InvalidInputException.unprocessable("csrPem.subject.CN", "must be absent or equal to name");
        }
        if (!csr.dnsNames().isEmpty() || !csr.ipAddresses().isEmpty()) {
            throw InvalidInputException.unprocessable("csrPem.subjectAltName",
                    "client certificates carry no DNS or IP names");
        }
    }
}
