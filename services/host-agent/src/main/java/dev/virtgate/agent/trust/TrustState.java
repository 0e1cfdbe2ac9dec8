package dev.virtgate.agent.trust;

import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.LibvirtDn;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import org.jboss.logging.Logger;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the agent believes about certificates, changed only by verified pki-service events: its own
 * certificate (for its key, chained to the pinned anchors, not from the future, not older than the
 * one applied), the trusted CAs (grown only as {@link PinnedAnchors} allows), the CRLs
 * ({@link Revocations}) and the peers whose DNs libvirtd allows, each taken from a certificate
 * that chains to the anchors rather than from the event's fields. The caller holds the agent's lock.
 */
public final class TrustState {
    private static final Logger LOG = Logger.getLogger(TrustState.class);
    public static final String OWN_CERT_CHECK = "certificate-matches-key";
    public static final String CRL_CHECK = "crl-trusted";

    private final AgentConfig config;
    private final AgentState state;
    private final HostIdentity identity;
    private final PinnedAnchors anchors;
    private final Revocations revocations;
    private final Duration skew;
    private final Clock clock;

    public TrustState(AgentConfig config, AgentState state, HostIdentity identity, PinnedAnchors anchors,
            Revocations revocations, Clock clock) {
        this.config = config;
        this.state = state;
        this.identity = identity;
        this.anchors = anchors;
        this.revocations = revocations;
        this.skew = config.clockSkew();
        this.clock = clock;
    }

    public TrustChange onCertIssued(CertIssued e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return TrustChange.NONE;
        }
        X509Certificate cert = Pem.certificate(e.certificatePem());
        List<X509Certificate> trusted = anchors.extendedBy(certificates(e.caBundlePem()));
        boolean chained = PinnedAnchors.anchorOf(cert, certificates(e.chainPem()), trusted).isPresent();
        return config.hostId().equals(e.hostId()) ? own(e, cert, chained, trusted) : peer(e, cert, chained, trusted);
    }

    private TrustChange own(CertIssued e, X509Certificate cert, boolean chained, List<X509Certificate> trusted) {
        String serial = serial(cert);
        Optional<HostKey> key = identity.keyFor(cert); // a renewal's certificate is for the next key
        if (key.isEmpty()) {
            LOG.warnf("refusing certificate %s: it does not match this host's key", serial);
            return refused(serial, "public key is not this host's");
        }
        if (!chained) {
            return refused(serial, "does not chain to the pinned CA");
        }
        Instant notBefore = cert.getNotBefore().toInstant();
        if (notBefore.isAfter(clock.instant().plus(skew)) || e.notBefore().isAfter(clock.instant().plus(skew))) {
            return refused(serial, "not valid before " + notBefore + ", more than " + skew.toMinutes()
                    + " min in the future");
        }
        if (cert.getNotAfter().toInstant().isBefore(clock.instant()) || revocations.isRevoked(cert)) {
            return refused(serial, "expired or revoked");
        }
        if (state.certPem != null && cert.getNotBefore().before(Pem.certificate(state.certPem).getNotBefore())) {
            return refused(serial, "older than the applied certificate " + state.certSerial);
        }
        String dn = ConfigValues.dn("libvirtDn", LibvirtDn.of(cert));
        if (!dn.equals(e.libvirtDn())) {
            return refused(serial, "libvirtDn does not match the certificate subject");
        }
        anchors.adopt(trusted);
        state.certPem = e.certificatePem();
        state.chainPem = new ArrayList<>(e.chainPem());
        state.certSerial = serial;
        state.certNotAfter = cert.getNotAfter().toInstant();
        state.libvirtDn = dn;
        state.ownCertRevoked = false;
        state.save();
        identity.certified(key.get(), cert, state.chainPem);
        return TrustChange.CHANGED;
    }

    /** A peer's DN enters tls_allowed_dn_list only from its certificate, and only if that chains to the anchors. */
    private TrustChange peer(CertIssued e, X509Certificate cert, boolean chained, List<X509Certificate> trusted) {
        String serial = serial(cert);
        if (!chained || !validNow(cert) || revocations.isRevoked(cert) || !names(cert, e.hostId())) {
            LOG.warnf("peer certificate %s for host %s is not trusted (chain, validity, revocation or host name): "
                    + "not allowed", serial, e.hostId());
            return TrustChange.NONE;
        }
        String dn = ConfigValues.dn("peer libvirtDn", LibvirtDn.of(cert));
        boolean learned = anchors.adopt(trusted);
        boolean known = dn.equals(state.peerDns.get(e.hostId()));
        state.peerDns.put(e.hostId(), dn);
        state.peerSerials.put(e.hostId(), serial);
        state.save();
        return TrustChange.of(learned || !known);
    }

    public TrustChange onCertRevoked(CertRevoked e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return TrustChange.NONE;
        }
        boolean changed = false;
        if (e.crlPem() != null) {
            switch (revocations.apply(e.crlPem(), anchors.anchors())) {
                case UNTRUSTED -> {
                    return TrustChange.refused(CRL_CHECK, "CRL not signed by a pinned CA, or without a CRL number");
                }
                case NOT_NEWER -> LOG.infof("CRL with %s is not newer than the one applied: kept the applied one",
                        e.serial());
                case APPLIED -> changed = true;
            }
        }
        String serial = e.serial().toLowerCase(Locale.ROOT);
        if (config.hostId().equals(e.hostId())) {
            if (serial.equals(state.certSerial) && !state.ownCertRevoked) {
                state.ownCertRevoked = true;
                changed = true;
            }
        } else if (serial.equalsIgnoreCase(state.peerSerials.getOrDefault(e.hostId(), ""))) {
            state.peerDns.remove(e.hostId());
            state.peerSerials.remove(e.hostId());
            changed = true;
        }
        changed |= dropRevokedByCrl();
        state.save();
        return TrustChange.of(changed);
    }

    /**
     * A re-signed CRL (pki-service publishes every one): applied exactly as the CRL inside a
     * CertRevoked, only if an anchor signed it and its number is higher than the applied one.
     */
    public TrustChange onCrlPublished(CrlPublished e) {
        X509CRL crl = Pem.crl(e.crlPem());
        Optional<BigInteger> number = Revocations.crlNumber(crl);
        if (number.isEmpty() || !number.get().toString().equals(e.crlNumber())) {
            return TrustChange.refused(CRL_CHECK, "CrlPublished crlNumber " + e.crlNumber()
                    + " is not the number of the CRL it carries");
        }
        switch (revocations.apply(e.crlPem(), anchors.anchors())) {
            case UNTRUSTED -> {
                LOG.warnf("CRL %s of %s is not signed by a pinned CA: not applied", e.crlNumber(), e.issuerDn());
                return TrustChange.refused(CRL_CHECK, "CRL not signed by a pinned CA, or without a CRL number");
            }
            case NOT_NEWER -> {
                LOG.infof("CRL %s of %s is not newer than the one applied: kept the applied one", e.crlNumber(),
                        e.issuerDn());
                return TrustChange.NONE;
            }
            default -> {
                LOG.infof("applying CRL %s of %s (next update %s)", e.crlNumber(), e.issuerDn(), crl.getNextUpdate()
                        == null ? "none" : crl.getNextUpdate().toInstant());
                dropRevokedByCrl();
                state.save();
                return TrustChange.CHANGED;
            }
        }
    }

    /** Peers (and this host's own certificate) an applied CRL lists: a CRL may be the first news of it. */
    private boolean dropRevokedByCrl() {
        boolean changed = false;
        for (String host : List.copyOf(state.peerSerials.keySet())) {
            if (revocations.listsSerial(state.peerSerials.get(host))) {
                state.peerSerials.remove(host);
                state.peerDns.remove(host);
                changed = true;
            }
        }
        if (state.certPem != null && !state.ownCertRevoked && revocations.isRevoked(Pem.certificate(state.certPem))) {
            LOG.warnf("an applied CRL lists this host's certificate %s", state.certSerial);
            state.ownCertRevoked = true;
            changed = true;
        }
        return changed;
    }

    private static TrustChange refused(String serial, String why) {
        return TrustChange.refused(OWN_CERT_CHECK, "refused certificate " + serial + ": " + why);
    }

    /** Host certificates name their host in a URI SAN; one naming another host is not this peer's. */
    private static boolean names(X509Certificate cert, String hostId) {
        return EventVerifier.producerOf(cert).map(p -> p.equals(Producer.host(hostId))).orElse(true);
    }

    private static boolean validNow(X509Certificate cert) {
        try {
            cert.checkValidity();
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String serial(X509Certificate cert) {
        return cert.getSerialNumber().toString(16);
    }

    static List<X509Certificate> certificates(List<String> pems) {
        List<X509Certificate> out = new ArrayList<>();
        pems.forEach(p -> out.addAll(Pem.certificates(p)));
        return out;
    }
}
