package dev.virtgate.agent.pki;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/** Builds the host's CSR: subject O=virtgate, OU=<cluster>, CN=<fqdn>; SAN DNS names and IP addresses. */
public final class Csrs {

    public static X500Name subject(String clusterId, String fqdn) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "virtgate").addRDN(BCStyle.OU, clusterId).addRDN(BCStyle.CN, fqdn).build();
    }

    public static PKCS10CertificationRequest build(KeyPair keyPair, String clusterId, String fqdn,
            List<String> dnsNames, List<String> ipAddresses) {
        try {
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
            ipAddresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a)));
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            return new JcaPKCS10CertificationRequestBuilder(subject(clusterId, fqdn), keyPair.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build CSR", e);
        }
    }

    private Csrs() {
    }
}
