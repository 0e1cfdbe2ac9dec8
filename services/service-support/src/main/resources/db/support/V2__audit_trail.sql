-- The audit trail (dev.virtgate.support.audit): who did what, when, from where, and the outcome.
create table audit_record (
    recordedAt timestamp(6) with time zone not null,
    id uuid not null,
    outcome varchar(16) not null,
    mode varchar(32),
    action varchar(64) not null,
    service varchar(64) not null,
    sourceAddress varchar(64),
    cluster varchar(128),
    host varchar(128),
    target varchar(256),
    actor varchar(512) not null,
    detail varchar(1000),
    primary key (id)
);
create index audit_record_at on audit_record (recordedAt, id);
create index audit_record_actor on audit_record (actor, recordedAt);
create index audit_record_host on audit_record (host, recordedAt);
create index audit_record_action on audit_record (action, recordedAt);
