package dev.virtgate.agent.proxy;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Predicate;

/**
 * What one proxied stream is secured with, read afresh for each (a renewal applies without a
 * restart): the host's key and certificate chain (leaf first), the CA certificates the agent trusts
 * now, its CRLs, and the cluster whose hosts may be peers.
 */
public record ProxyCredentials(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> anchors,
        Predicate<X509Certificate> revoked, String clusterId) {

    @Override
    public String toString() { // holds the private key: never printed
        return "ProxyCredentials[" + chain.get(0).getSubjectX500Principal().getName() + "]";
    }
}
