package dev.virtgate.credential.repository;

import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.credential.service.RotationState;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A cluster's credential and rotation state: the persisted form of {@link RotationState}. */
@Entity
@Table(name = "cluster_credential")
public class ClusterCredential extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String clusterId;

    @Column(length = 128)
    public String rotationId;

    /** 0 until the first credential was stored. */
    public int version;

    public int kvVersion;

    @Enumerated(EnumType.STRING)
    @Column(length = 16)
    public CredentialPhase phase;

    public Integer previousVersion;

    public Integer previousKvVersion;

    @Column(nullable = false)
    public Instant createdAt;

    public Instant rotationStartedAt;

    /** Who started the current rotation: an operator, or the schedule; null for the first credential. */
    @Column(length = 255)
    public String rotationRequestedBy;

    public Instant phaseEnteredAt;

    /** Last time the current phase went on the bus; debounces re-announcements for laggards. */
    public Instant lastAnnouncedAt;

    /**
     * Set when a host that could read the credential was removed (decommissioned, or its certificate
     * revoked): a rotation is owed, started once the host's access is revoked in OpenBao and no other
     * rotation is under way. The time of the latest removal; null = nothing owed. Nullable: added
     * to an existing schema.
     */
    public Instant rotationOwedAt;

    public RotationState state() {
        return new RotationState(clusterId, rotationId, version, kvVersion, phase, previousVersion, previousKvVersion);
    }

    public void apply(RotationState state, Instant now) {
        boolean newRotation = state.version() != version;
        rotationId = state.rotationId();
        version = state.version();
        kvVersion = state.kvVersion();
        phase = state.phase();
        previousVersion = state.previousVersion();
        previousKvVersion = state.previousKvVersion();
        if (newRotation) {
            rotationStartedAt = now;
        }
        phaseEnteredAt = now;
        lastAnnouncedAt = now;
    }
}
