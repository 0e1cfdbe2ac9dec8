package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.BatchingTransitSigner;
import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.CrlFactory;
import dev.virtgate.pki.pki.TransitKeys;
import io.quarkus.vault.client.VaultClient;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The CA key in Transit and the builders that sign with it; nothing here holds a private key. */
@ApplicationScoped
public class TransitCa {

    @Inject
    VaultClient vault;

    @Inject
    PkiConfig config;

    private TransitKeys keys;
    private BatchingTransitSigner signer;
    private CertificateFactory certificates;
    private CrlFactory crls;

    @PostConstruct
    void init() {
        keys = new TransitKeys(vault, config.transitMount(), config.keyName(), config.keyType());
        signer = new BatchingTransitSigner(keys, config.signBatchSize(), 2);
        certificates = new CertificateFactory(config.keyType(), signer);
        crls = new CrlFactory(config.keyType(), signer);
    }

    @PreDestroy
    void close() {
        signer.close();
    }

    public TransitKeys keys() {
        return keys;
    }

    public CertificateFactory certificates() {
        return certificates;
    }

    public CrlFactory crls() {
        return crls;
    }
}
