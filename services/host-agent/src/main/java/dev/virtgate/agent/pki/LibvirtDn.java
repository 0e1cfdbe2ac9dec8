package dev.virtgate.agent.pki;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The subject as {@code virt-pki-query-dn} prints it and {@code tls_allowed_dn_list} matches it:
 * RDNs in certificate (ASN.1) order, C/O/OU/CN first to last, which is the reverse of RFC 4514
 * (and of {@code certtool -i} / {@code X500Principal#getName()}).
 */
public final class LibvirtDn {
    private static final Map<ASN1ObjectIdentifier, String> NAMES = Map.of(
            BCStyle.C, "C", BCStyle.ST, "ST", BCStyle.L, "L", BCStyle.O, "O", BCStyle.OU, "OU",
            BCStyle.CN, "CN", BCStyle.DC, "DC", BCStyle.UID, "UID");

    public static String of(X509Certificate cert) {
        return of(X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()));
    }

    public static String of(X500Name name) {
        StringJoiner out = new StringJoiner(",");
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                String type = NAMES.getOrDefault(atv.getType(), atv.getType().getId());
                out.add(type + "=" + IETFUtils.valueToString(atv.getValue()));
            }
        }
        return out.toString();
    }

    private LibvirtDn() {
    }
}
