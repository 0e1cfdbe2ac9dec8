package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.credential.repository.HostMember;

import java.util.Locale;

/**
 * What pki-service's certificate events mean for a host's access. CertIssued tells which certificate
 * is the host's current one (the newest {@code notBefore} wins, as in migration-service). A
 * CertRevoked withdraws the host's access only when its reason removes trust (every reason but
 * {@code superseded}), it names the host's current certificate (or this service knows none of the
 * host's certificates: then it is taken to be the current one), and the host holds access or is
 * about to be granted it. Everything else changes nothing; so does a second revocation of a host
 * whose access is already withdrawn.
 */
public final class CertificateCheck {

    /** The outcome for one CertRevoked. */
    public sealed interface Verdict {
    }

    /**
     * Withdraw the host's access; {@code rotate} when it held a grant (its agent could read the
     * password), not when the grant was still pending.
     */
    public record Withdraw(boolean rotate) implements Verdict {
    }

    /** Nothing to do, and why (names no value of the event). */
    public record Ignore(String why) implements Verdict {
    }

    /** Records the certificate as the host's current one unless a newer one is known. */
    public static void issued(HostMember host, CertIssued issued) {
        if (host == null || host.decommissioned || !host.clusterId.equals(issued.clusterId())) {
            return;
        }
        if (host.certNotBefore == null || !issued.notBefore().isBefore(host.certNotBefore)
                || issued.serial().equals(host.certSerial)) {
            host.certSerial = issued.serial();
            host.certNotBefore = issued.notBefore();
        }
    }

    public static Verdict revoked(HostMember host, CertRevoked revoked) {
        if (!removesTrust(revoked.reason())) {
            return new Ignore("a superseded certificate leaves the host trusted");
        }
        if (host == null || host.decommissioned || !host.clusterId.equals(revoked.clusterId())) {
            return new Ignore("not a current member of the cluster");
        }
        if (host.certSerial != null && !host.certSerial.equals(revoked.serial())) {
            return new Ignore("not the host's current certificate");
        }
        if (!host.accessGranted && host.pendingGrantCsrPem == null) {
            return new Ignore("the host holds no access");
        }
        return new Withdraw(host.accessGranted);
    }

    /**
     * Whether a revocation reason removes the host's trust. The reason is the operator's text or
     * pki-service's {@code cessationOfOperation}; it is read as pki-service reads it for its CRL
     * (case and punctuation ignored). Only {@code superseded} (a newer certificate replaced it) leaves
     * the host trusted; keyCompromise, cACompromise, affiliationChanged, cessationOfOperation,
     * unspecified, certificateHold, privilegeWithdrawn and any other text remove trust, as the CRL
     * entry does.
     */
    public static boolean removesTrust(String reason) {
        String normalized = reason == null ? "" : reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
        return !normalized.equals("superseded");
    }

    private CertificateCheck() {
    }
}
