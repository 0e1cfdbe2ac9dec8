package dev.virtgate.pki.pki;

import dev.virtgate.contracts.trust.Producer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * A control-plane service as the signer of its events: its certificate names it in the single URI
 * SAN {@code urn:virtgate:service:<name>}, which is what consumers read as the event's producer.
 */
public record SignerIdentity(String service) {

    /** Fixed OU of every signer certificate. */
    public static final String ORGANIZATIONAL_UNIT = "services";
    /** Stored as IssuedCertificate.hostId; host ids cannot contain ':', so the two never collide. */
    public static final String ID_PREFIX = "service:";

    public String id() {
        return ID_PREFIX + service;
    }

    public String uri() {
        return Producer.service(service).uri();
    }

    public X500Name subject() {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, HostIdentity.ORGANIZATION)
                .addRDN(BCStyle.OU, ORGANIZATIONAL_UNIT)
                .addRDN(BCStyle.CN, service)
                .build();
    }

    /** RFC 4514 form: {@code CN=<service>,OU=services,O=virtgate}. */
    public String subjectDn() {
        return "CN=" + service + ",OU=" + ORGANIZATIONAL_UNIT + ",O=" + HostIdentity.ORGANIZATION;
    }

    /** The encoding order, as virt-pki-query-dn would print it. */
    public String libvirtDn() {
        return "O=" + HostIdentity.ORGANIZATION + ",OU=" + ORGANIZATIONAL_UNIT + ",CN=" + service;
    }
}
