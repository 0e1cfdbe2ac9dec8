package dev.virtgate.pki.support;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.repository.RegisteredHost;
import dev.virtgate.pki.service.HostRegistry;
import dev.virtgate.support.outbox.OutboxEvent;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Direct access to the service's state from @QuarkusTest classes (same JVM). */
public final class PkiState {
    private static final EventCodec CODEC = new EventCodec();

    /** Registers a host as if HostRegistered had been consumed. */
    public static void register(HostRegistered event) {
        QuarkusTransaction.requiringNew().run(() -> Arc.container().instance(HostRegistry.class).get().register(event));
    }

    public static RegisteredHost host(String hostId) {
        return QuarkusTransaction.requiringNew().call(() -> RegisteredHost.findById(hostId));
    }

    public static long certificateCount(String hostId) {
        return QuarkusTransaction.requiringNew().call(() -> IssuedCertificate.count("hostId", hostId));
    }

    public static long certificateCount() {
        return QuarkusTransaction.requiringNew().call(() -> IssuedCertificate.count());
    }

    public static long outboxCount() {
        return QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count());
    }

    /** Outbox events of one type for one subject, oldest first. */
    public static <T extends Event> List<T> outbox(Class<T> type, String subject) {
        String ceType = EventType.of(type).ceType();
        List<OutboxEvent> rows = QuarkusTransaction.requiringNew().call(() -> OutboxEvent.<OutboxEvent>list(
                "ceType = ?1 and recordKey = ?2 order by id", ceType, subject));
        return rows.stream().map(r -> CODEC.decode(type, r.payload.getBytes(StandardCharsets.UTF_8))).toList();
    }

    public static IssuedCertificate certificate(String serial) {
        return QuarkusTransaction.requiringNew().call(() -> IssuedCertificate.findById(serial));
    }

    public static void run(Runnable work) {
        QuarkusTransaction.requiringNew().run(work);
    }

    private PkiState() {
    }
}
