package dev.virtgate.pki.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * "The CA" as one PostgreSQL advisory lock, held until the caller's transaction ends: every
 * pki-service instance sharing the database creates or rotates the CA in turn, so two fresh
 * instances cannot each create a root (a JVM lock only orders the threads of one instance).
 */
@ApplicationScoped
public class CaLock {
    /** Any number works as long as every instance uses the same one: "virtgate" in ASCII. */
    static final long KEY = 0x7669727467617465L;

    @Inject
    EntityManager em;

    /** Blocks until no other transaction holds the CA, then holds it until this one commits or rolls back. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void holdUntilCommit() {
        // selected from a sub-query: pg_advisory_xact_lock returns void, which Hibernate cannot map
        em.createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(?1)) AS held")
                .setParameter(1, KEY).getSingleResult();
    }
}
