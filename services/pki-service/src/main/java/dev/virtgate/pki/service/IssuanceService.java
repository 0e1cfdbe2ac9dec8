package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.pki.bus.HostBusChanged;
import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.pki.HostIdentity;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.repository.RegisteredHost;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jboss.logging.Logger;

import java.util.HashSet;
import java.util.Optional;
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
    CaChains chains;

    @Inject
    TransitCa transit;

    @Inject
    OutboxWriter outbox;

    @Inject
    Event<HostBusChanged> hostBusChanged;

    /** Operator REST path: the CSR must come with the host's enrollment proof; the token is single use. */
    @Transactional
    public IssuedCertificate issueWithProof(String hostId, String csrPem, String enrollmentProof) {
        ca.requireReady();
        CsrInspector.CsrFacts csr = CsrInspector.inspect(csrPem);
        RegisteredHost host = lockHost(hostId);
        checkNames(identity(host), csr);
        if (EnrollmentGate.check(host, enrollmentProof, host.clusterId, host.fqdn, csrPem, csr)
                == EnrollmentGate.Outcome.SAME_KEY_AGAIN) {
            throw new ForbiddenException("enrollment token already used");
        }
        EnrollmentGate.bind(host, csr);
        return issue(host, csr, "REQUEST");
    }

    /**
     * HostEnrolled: same checks as REST, and the token binds to the first CSR key that proves it.
     * Returns the certificate, or empty when the bound key enrolls again (nothing to issue). A
     * refusal throws a {@link dev.virtgate.support.error.DomainException}: the caller dead-letters the
     * event with the reason.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<IssuedCertificate> enroll(HostEnrolled event) {
        ca.requireReady();
        CsrInspector.CsrFacts csr = CsrInspector.inspect(event.csrPem());
        RegisteredHost host = lockHost(event.hostId());
        if (!host.clusterId.equals(event.clusterId()) || !host.fqdn.equalsIgnoreCase(event.fqdn())) {
            throw new ForbiddenException("enrollment does not match the host's registration");
        }
        checkNames(identity(host), csr);
        if (EnrollmentGate.check(host, event.enrollmentProof(), event.clusterId(), event.fqdn(), event.csrPem(), csr)
                == EnrollmentGate.Outcome.SAME_KEY_AGAIN) {
            LOG.infof("host %s enrolled again with its bound key: nothing issued", host.hostId);
            return Optional.empty();
        }
        EnrollmentGate.bind(host, csr);
        IssuedCertificate issued = issue(host, csr, "ENROLLMENT");
        LOG.infof("host %s enrolled: certificate %s", host.hostId, issued.serial);
        return Optional.of(issued);
    }

    RegisteredHost lockHost(String hostId) {
        RegisteredHost host = RegisteredHost.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
        if (host == null) {
            throw new NotFoundException("host " + hostId + " is not registered");
        }
        if (host.decommissionedAt != null) {
            throw new ForbiddenException("host " + hostId + " is decommissioned");
        }
        return host;
    }

    /** Signs a certificate carrying every registered name of the host, after the CSR's names were checked. */
    @Transactional(Transactional.TxType.MANDATORY)
    public IssuedCertificate issue(RegisteredHost host, CsrInspector.CsrFacts csr, String reason) {
        HostIdentity identity = identity(host);
        checkNames(identity, csr);
        LeafTerms terms = LeafTerms.startingNow(config.leafValidity(), config.retryAfterSeconds());
        X509CertificateHolder cert = transit.certificates().leaf(chains.issuer(terms.ca()), identity,
                csr.publicKeyInfo(), terms.serial(), terms.notBefore(), terms.notAfter());
        IssuedCertificate issued = terms.record(cert, host.hostId, host.clusterId, identity.subjectDn(),
                identity.libvirtDn(), reason);

        outbox.write(new CertIssued(issued.hostId, issued.clusterId, issued.serial, issued.subjectDn,
                issued.libvirtDn, issued.certificatePem, chains.chain(terms.ca()), chains.bundle(), terms.notBefore(),
                terms.notAfter(), reason));
        hostBusChanged.fire(new HostBusChanged(issued.hostId)); // its bus ACLs, once committed
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
            throw InvalidInputException.unprocessable("csrPem.subject.CN",
                    "name is not registered for host " + host.hostId());
        }
        for (String name : csr.dnsNames()) {
            if (!dns.contains(name)) {
                throw InvalidInputException.unprocessable("csrPem.subjectAltName.dNSName",
                        "name is not registered for host " + host.hostId());
            }
        }
        for (String ip : csr.ipAddresses()) {
            if (!ips.contains(ip)) {
                throw InvalidInputException.unprocessable("csrPem.subjectAltName.iPAddress",
                        "address is not registered for host " + host.hostId());
            }
        }
    }
}
