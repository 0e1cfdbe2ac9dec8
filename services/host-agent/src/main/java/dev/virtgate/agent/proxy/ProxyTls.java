package dev.virtgate.agent.proxy;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * TLS 1.3 for proxied migration streams: this host's certificate, only the CAs the agent trusts now
 * (JSSE's PKIX chain and key-usage checks), and after the handshake virtgate's own rules for the
 * peer: a host certificate (O=virtgate) of this cluster (OU) that no applied CRL lists.
 */
public final class ProxyTls {
    static final String PROTOCOL = "TLSv1.3";
    /** AES-128-GCM first: the cheapest AEAD with AES-NI, as QEMU's TLS priority would put it (issue 15). */
    static final String[] SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The server end over an accepted connection: client certificate required. */
    public static SSLSocket server(Socket accepted, ProxyCredentials c) throws IOException {
        SSLSocket s = (SSLSocket) context(c).getSocketFactory().createSocket(accepted, null, accepted.getPort(), true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(SUITES);
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(true);
        s.setSSLParameters(p);
        return s;
    }

    /** The client end over a connected socket; the server's certificate must name {@code serverName} (SAN dNSName). */
    public static SSLSocket client(Socket connected, String serverName, ProxyCredentials c) throws IOException {
        SSLSocket s = (SSLSocket) context(c).getSocketFactory()
                .createSocket(connected, serverName, connected.getPort(), true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(SUITES);
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        return s;
    }

    /** After the handshake: the peer's certificate is a host certificate of this cluster, not revoked. */
    public static X509Certificate checkPeer(SSLSocket s, ProxyCredentials c) throws ProxyRefused {
        X509Certificate peer;
        try {
            Certificate[] chain = s.getSession().getPeerCertificates();
            peer = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new ProxyRefused("no verified peer certificate");
        }
        X500Name subject = X500Name.getInstance(peer.getSubjectX500Principal().getEncoded());
        if (!List.of("virtgate").equals(values(subject, BCStyle.O))) {
            throw new ProxyRefused("not a virtgate host certificate (O)");
        }
        if (!List.of(c.clusterId()).equals(values(subject, BCStyle.OU))) {
            throw new ProxyRefused("not a host of cluster " + c.clusterId() + " (OU)");
        }
        if (c.revoked().test(peer)) {
            throw new ProxyRefused("certificate " + peer.getSerialNumber().toString(16) + " is revoked");
        }
        return peer;
    }

    /** The subject of a peer for log lines. */
    public static String subjectOf(SSLSocket s) {
        try {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException | RuntimeException e) {
            return "unauthenticated peer";
        }
    }

    private static List<String> values(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        return java.util.Arrays.stream(name.getRDNs(type)).map(RDN::getFirst)
                .map(a -> IETFUtils.valueToString(a.getValue())).toList();
    }

    static SSLContext context(ProxyCredentials c) throws IOException {
        try {
            char[] password = Long.toHexString(RANDOM.nextLong()).toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("host", c.key(), password, c.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < c.anchors().size(); i++) {
                trust.setCertificateEntry("ca-" + i, c.anchors().get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for the migration proxy: " + e.getClass().getSimpleName());
        }
    }

    private ProxyTls() {
    }
}
