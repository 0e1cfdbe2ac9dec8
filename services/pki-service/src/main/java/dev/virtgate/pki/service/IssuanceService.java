package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.pki.HostIdentity;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.repository.RegisteredHost;
import dev.virtgate.support.outbox.OutboxWriter;
import dev.virtgate.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;

/**
 * Issues host certificates: checks the CSR and that every name in it belongs to the host, signs
 * through Transit, persists, and writes CertIssued to the outbox in the caller's transaction.
 */
@ApplicationScoped
public class IssuanceService {
    private static final Logger LOG = Logger.getLogger(IssuanceService.class);

    @Inject
    PkiConfig config;

    @Inject
    CaService ca;

    @Inject
    TransitCa transit;

    @Inject
    OutboxWriter outbox;

    /** Operator REST path: the host's own enrollment token must accompany the CSR. */
    @Transactional
    public IssuedCertificate issueWithToken(String hostId, String csrPem, String enrollmentToken) {
        ca.requireReady();
        CsrInspector.CsrFacts csr = CsrInspector.inspect(csrPem);
        RegisteredHost host = lockHost(hostId);
        checkNames(identity(host), csr);
        consumeToken(host, enrollmentToken);
        return issue(host, csr, "REQUEST");
    }

    /**
     * HostEnrolled: same checks as REST. Refusals are logged and issue nothing; the caller's
     * transaction still commits (the event is handled, just refused).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void enroll(HostEnrolled event) {
        try {
            ca.requireReady();
            CsrInspector.CsrFacts csr = CsrInspector.inspect(event.csrPem());
            RegisteredHost host = lockHost(event.hostId());
            if (!host.clusterId.equals(event.clusterId()) || !host.fqdn.equalsIgnoreCase(event.fqdn())) {
                throw ProblemException.forbidden("enrollment does not match the host's registration");
            }
            checkNames(identity(host), csr);
            consumeToken(host, event.enrollmentToken());
            IssuedCertificate issued = issue(host, csr, "ENROLLMENT");
            LOG.infof("host %s enrolled: certificate %s", host.hostId, issued.serial);
        } catch (ProblemException e) {
            if (e.status() == 503) {
                throw e; // retried by redelivery/dead-letter, not silently dropped
            }
            LOG.warnf("HostEnrolled for host %s refused, nothing issued: %s", event.hostId(), e.getMessage());
        }
    }

    RegisteredHost lockHost(String hostId) {
        RegisteredHost host = RegisteredHost.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
        if (host == null) {
            throw ProblemException.notFound("host " + hostId + " is not registered");
        }
        if (host.decommissionedAt != null) {
            throw ProblemException.forbidden("host " + hostId + " is decommissioned");
        }
        return host;
    }

    /** Single use, unexpired, and bound to this host: the SHA-256 must equal the one registered for it. */
    void consumeToken(RegisteredHost host, String token) {
        if (token == null || token.isBlank()) {
            throw ProblemException.forbidden("enrollment token missing");
        }
        byte[] presented = HexFormat.of().formatHex(sha256(token)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(presented, host.tokenSha256.getBytes(StandardCharsets.US_ASCII))) {
            throw ProblemException.forbidden("enrollment token is not valid for host " + host.hostId);
        }
        if (host.tokenUsedAt != null) {
            LOG.warnf("reused enrollment token for host %s (first used %s): nothing issued", host.hostId,
                    host.tokenUsedAt);
            throw ProblemException.forbidden("enrollment token already used");
        }
        if (!host.tokenExpiresAt.isAfter(Instant.now())) {
            throw ProblemException.forbidden("enrollment token expired");
        }
        host.tokenUsedAt = Instant.now();
    }

    /** Signs a certificate carrying every registered name of the host, after the CSR's names were checked. */
    @Transactional(Transactional.TxType.MANDATORY)
    public IssuedCertificate issue(RegisteredHost host, CsrInspector.CsrFacts csr, String reason) {
        HostIdentity identity = identity(host);
        checkNames(identity, csr);
        LeafTerms terms = LeafTerms.startingNow(config.leafValidity(), config.retryAfterSeconds());
        X509CertificateHolder cert = transit.certificates().leaf(ca.issuer(terms.ca()), identity,
                csr.publicKeyInfo(), terms.serial(), terms.notBefore(), terms.notAfter());
        IssuedCertificate issued = terms.record(cert, host.hostId, host.clusterId, identity.subjectDn(),
                identity.libvirtDn(), reason);

        outbox.write(new CertIssued(issued.hostId, issued.clusterId, issued.serial, issued.subjectDn,
                issued.libvirtDn, issued.certificatePem, ca.chain(terms.ca()), ca.bundle(), terms.notBefore(),
                terms.notAfter(), reason));
        return issued;
    }

    static HostIdentity identity(RegisteredHost host) {
        return new HostIdentity(host.hostId, host.clusterId, host.fqdn, host.dnsNameList(), host.ipAddressList());
    }

    /** No arbitrary names: CN, DNS and IP SANs requested must all be registered for this host. */
    static void checkNames(HostIdentity host, CsrInspector.CsrFacts csr) {
        Set<String> dns = new HashSet<>(host.allDnsNames());
        Set<String> ips = new HashSet<>(host.ipAddresses());
        if (csr.commonName() != null && !dns.contains(csr.commonName())) {
            throw ProblemException.unprocessable("csrPem.subject.CN", "name is not registered for host " + host.hostId());
        }
        for (String name : csr.dnsNames()) {
            if (!dns.contains(name)) {
                throw ProblemException.unprocessable("csrPem.subjectAltName.dNSName",
                        "name is not registered for host " + host.hostId());
            }
        }
        for (String ip : csr.ipAddresses()) {
            if (!ips.contains(ip)) {
                throw ProblemException.unprocessable("csrPem.subjectAltName.iPAddress",
                        "address is not registered for host " + host.hostId());
            }
        }
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
