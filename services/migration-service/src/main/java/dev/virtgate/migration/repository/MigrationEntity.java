package dev.virtgate.migration.repository;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.ProxyRoute;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One migration request and what its agents reported about it. */
@Entity
@Table(name = "migration", indexes = {
        @Index(name = "migration_source", columnList = "sourceHostId,state"),
        @Index(name = "migration_destination", columnList = "destinationHostId,state")})
public class MigrationEntity extends PanacheEntityBase {

    @Id
    @Column(length = 64)
    public String id;

    @Column(nullable = false, length = 64)
    public String vmName;

    /**
     * The VM name while the migration is REQUESTED or RUNNING, null afterwards: the unique index
     * makes a second concurrent migration of the same VM fail at commit even under a race.
     */
    @Column(unique = true, length = 64)
    public String activeVm;

    @Column(nullable = false, length = 63)
    public String clusterId;

    @Column(nullable = false, length = 63)
    public String sourceHostId;

    @Column(nullable = false, length = 63)
    public String destinationHostId;

    public Integer bandwidthMiBps;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public MigrationMode mode;

    @Column(nullable = false, length = 300)
    public String destinationUri;

    @Convert(converter = StringListConverter.class)
    @Column(columnDefinition = "text")
    public List<String> flags;

    @Convert(converter = StringMapConverter.class)
    @Column(columnDefinition = "text")
    public Map<String, String> parameters;

    /** The route a TLS_AGENT_PROXY command carried (destination agent's proxy); null for every other mode. */
    @Column(length = 253)
    public String proxyAddress;
    public Integer proxyPort;
    @Column(length = 253)
    public String proxyServerName;

    @Convert(converter = StringListConverter.class)
    @Column(columnDefinition = "text")
    public List<String> reasons;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public MigrationState state;

    @Column(nullable = false, length = 256)
    public String requestedBy;

    @Column(nullable = false)
    public Instant requestedAt;

    @Column(nullable = false)
    public Instant commandNotAfter;

    @Column(unique = true, length = 200)
    public String idempotencyKey;

    /** SHA-256 of the request body (and caller) that first used the idempotency key. */
    @Column(length = 64)
    public String requestFingerprint;

    public Instant cancelRequestedAt;
    @Column(length = 256)
    public String cancelRequestedBy;

    /** The latest job statistics the source agent reported (MigrationProgress), then the final ones. */
    public Long elapsedMs;
    public Long dataTotalBytes;
    public Long dataProcessedBytes;
    public Long dataRemainingBytes;
    public Long memoryBytesPerSecond;
    public Long downtimeMs;
    /** When this service recorded the statistics above (progress or completion). */
    public Instant progressAt;

    @Column(length = 1024)
    public String failureReason;

    public Instant updatedAt;
    public Instant finishedAt;

    public ProxyRoute proxyRoute() {
        return proxyPort == null ? null : new ProxyRoute(proxyAddress, proxyPort, proxyServerName);
    }

    public void finish(MigrationState terminal, Instant now) {
        state = terminal;
        activeVm = null;
        finishedAt = now;
        updatedAt = now;
    }

    /** The row of a migration just requested: the command as sent, and the VM lock taken. */
    public static MigrationEntity requested(MigrationRequested command, Integer bandwidth, String key,
            String fingerprint) {
        MigrationEntity m = new MigrationEntity();
        m.id = command.migrationId();
        m.vmName = command.vmName();
        m.activeVm = command.vmName();
        m.clusterId = command.clusterId();
        m.sourceHostId = command.sourceHostId();
        m.destinationHostId = command.destinationHostId();
        m.bandwidthMiBps = bandwidth;
        m.mode = command.mode();
        m.destinationUri = command.destinationUri();
        m.flags = command.flags();
        m.parameters = command.parameters();
        if (command.proxyRoute() != null) {
            m.proxyAddress = command.proxyRoute().address();
            m.proxyPort = command.proxyRoute().port();
            m.proxyServerName = command.proxyRoute().serverName();
        }
        m.reasons = command.reasons();
        m.state = MigrationState.REQUESTED;
        m.requestedBy = command.requestedBy();
        m.requestedAt = command.requestedAt();
        m.commandNotAfter = command.notAfter();
        m.idempotencyKey = key;
        m.requestFingerprint = fingerprint;
        m.updatedAt = command.requestedAt();
        return m;
    }
}
