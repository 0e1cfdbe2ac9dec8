package dev.virtgate.pki.metrics;

import dev.virtgate.pki.repository.IssuedCertificate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code virtgate_pki_certificate_expiry_seconds{host, cluster}}: seconds until the host's current
 * certificate expires (negative once expired), computed at scrape time. "Current" is the
 * latest-expiring certificate of the host that is neither revoked nor superseded by a renewal (a
 * host moved to another cluster would show once per cluster until its old certificate goes); read
 * from the table on a timer ({@code virtgate.metrics.refresh-interval}), so a revoked or replaced
 * certificate, or a host with none left, drops its series at the next read.
 */
@ApplicationScoped
public class CertificateExpiryMetrics {
    public static final String EXPIRY = "virtgate.pki.certificate.expiry";

    @Inject
    MeterRegistry meters;

    @Inject
    EntityManager em;

    private MultiGauge expiry;
    /** The rows' values: held here, since gauges only keep weak references. */
    private volatile List<MultiGauge.Row<?>> rows = List.of();

    // built with the bean, not at StartupEvent: the scheduler's first refresh may come before that event
    @PostConstruct
    void register() {
        expiry = MultiGauge.builder(EXPIRY).baseUnit("seconds")
                .description("seconds until the host's current certificate expires").register(meters);
    }

    @Scheduled(every = "${virtgate.metrics.refresh-interval:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void refresh() {
        // a projection: the certificates' PEM stays in the database
        List<Object[]> current = em.createQuery("select c.hostId, c.clusterId, max(c.notAfter) from IssuedCertificate c"
                + " where c.revokedAt is null and c.supersededBy is null and c.hostId not like :notAHost"
                + " group by c.hostId, c.clusterId", Object[].class)
                .setParameter("notAHost", IssuedCertificate.NOT_A_HOST).getResultList();
        List<MultiGauge.Row<?>> next = new ArrayList<>(current.size());
        for (Object[] row : current) {
            next.add(MultiGauge.Row.of(Tags.of("host", (String) row[0], "cluster", (String) row[1]), (Instant) row[2],
                    CertificateExpiryMetrics::secondsLeft));
        }
        rows = next;
        expiry.register(next, true);
    }

    private static double secondsLeft(Instant notAfter) {
        return Duration.between(Instant.now(), notAfter).toMillis() / 1000.0;
    }
}
