package dev.virtgate.pki.pki;

import dev.virtgate.contracts.trust.Producer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

import java.util.List;

/** The names a host is registered with: what its certificate may, and will, contain. */
public record HostIdentity(String hostId, String clusterId, String fqdn, List<String> dnsNames,
        List<String> ipAddresses) {

    public static final String ORGANIZATION = "virtgate";

    /** Encoded O, OU, CN: printed by virt-pki-query-dn in that order, by RFC 4514 in reverse. */
    public X500Name subject() {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ORGANIZATION)
                .addRDN(BCStyle.OU, clusterId)
                .addRDN(BCStyle.CN, fqdn)
                .build();
    }

    /** RFC 4514 form: {@code CN=<fqdn>,OU=<clusterId>,O=virtgate}. */
    public String subjectDn() {
        return "CN=" + fqdn + ",OU=" + clusterId + ",O=" + ORGANIZATION;
    }

    /** The form libvirt's tls_allowed_dn_list matches: {@code O=virtgate,OU=<clusterId>,CN=<fqdn>}. */
    public String libvirtDn() {
        return "O=" + ORGANIZATION + ",OU=" + clusterId + ",CN=" + fqdn;
    }

    /** The URI SAN {@code urn:virtgate:host:<hostId>} that names the host as a producer of events. */
    public String uri() {
        return Producer.host(hostId).uri();
    }

    /** The FQDN first, then every other registered DNS name, without duplicates. */
    public List<String> allDnsNames() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(fqdn), dnsNames.stream())
                .map(n -> n.toLowerCase(java.util.Locale.ROOT)).distinct().toList();
    }
}
