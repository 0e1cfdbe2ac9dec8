-- credential-service's own tables as the release before schema migrations left them (Hibernate
-- created them then). An existing database of that release is baselined at 1.1.
create table cluster_credential (
    kvVersion integer not null,
    previousKvVersion integer,
    previousVersion integer,
    version integer not null,
    createdAt timestamp(6) with time zone not null,
    lastAnnouncedAt timestamp(6) with time zone,
    phaseEnteredAt timestamp(6) with time zone,
    rotationOwedAt timestamp(6) with time zone,
    rotationStartedAt timestamp(6) with time zone,
    phase varchar(16) check ((phase in ('STAGED','ACTIVE','RETIRED'))),
    clusterId varchar(63) not null,
    rotationId varchar(128),
    rotationRequestedBy varchar(255),
    primary key (clusterId)
);
create table host_member (
    accessGranted boolean not null,
    accessRevokePending boolean not null,
    accessWithdrawn boolean,
    ackedRank integer not null,
    decommissioned boolean not null,
    enrollmentTokenUsed boolean not null,
    ackedAt timestamp(6) with time zone,
    certNotBefore timestamp(6) with time zone,
    enrollmentTokenExpiresAt timestamp(6) with time zone,
    registeredAt timestamp(6) with time zone not null,
    clusterId varchar(63) not null,
    hostId varchar(63) not null,
    certSerial varchar(64),
    enrolledKeySha256 varchar(64),
    enrollmentKey varchar(128),
    fqdn varchar(255),
    pendingGrantCsrPem text,
    primary key (hostId)
);
create index host_member_cluster_rank on host_member (clusterId, decommissioned, ackedRank);
