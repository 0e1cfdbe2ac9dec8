package dev.virtgate.pki.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An API client (person or tool) of virtgate's services, authenticated by an mTLS client certificate.
 * Its role travels as the single URI SAN {@code urn:virtgate:role:<role>}, which migration-service reads.
 */
public record ClientIdentity(String name, Role role) {

    /** Fixed OU of every client certificate; host certificates carry their cluster id there instead. */
    public static final String ORGANIZATIONAL_UNIT = "api-clients";
    /** Stored as IssuedCertificate.hostId; host ids cannot contain ':', so the two never collide. */
    public static final String ID_PREFIX = "client:";
    /** At most 56 characters, so that {@code client:<name>} fits the 63 of a host id column. */
    public static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9._-]{0,55}$");

    public enum Role {
        OPERATOR, VIEWER;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Null when the text names no role. */
        public static Role parse(String text) {
            for (Role role : values()) {
                if (role.value().equals(text)) {
                    return role;
                }
            }
            return null;
        }
    }

    public String id() {
        return ID_PREFIX + name;
    }

    public String roleUri() {
        return "urn:virtgate:role:" + role.value();
    }

    public X500Name subject() {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, HostIdentity.ORGANIZATION)
                .addRDN(BCStyle.OU, ORGANIZATIONAL_UNIT)
                .addRDN(BCStyle.CN, name)
                .build();
    }

    /** RFC 4514 form: {@code CN=<name>,OU=api-clients,O=virtgate}. */
    public String subjectDn() {
        return "CN=" + name + ",OU=" + ORGANIZATIONAL_UNIT + ",O=" + HostIdentity.ORGANIZATION;
    }

    /** The encoding order, as virt-pki-query-dn would print it. */
    public String libvirtDn() {
        return "O=" + HostIdentity.ORGANIZATION + ",OU=" + ORGANIZATIONAL_UNIT + ",CN=" + name;
    }

    public static boolean isClientId(String hostId) {
        return hostId != null && hostId.startsWith(ID_PREFIX);
    }
}
