-- virtgate: tables every control-plane service has (service-support). Flyway location db/support,
-- shared by pki-service, credential-service and migration-service; each service adds db/migration.
create sequence outbox_event_seq start with 1 increment by 50;
create table outbox_event (
    attempts integer not null,
    ceTime timestamp(6) with time zone not null,
    id bigint not null,
    publishedAt timestamp(6) with time zone,
    eventId uuid not null unique,
    ceType varchar(128) not null,
    recordKey varchar(128) not null,
    topic varchar(128) not null,
    ceSource varchar(256) not null,
    signature varchar(256),
    payload text not null,
    primary key (id)
);
create table processed_event (
    processedAt timestamp(6) with time zone not null,
    ceType varchar(128) not null,
    id varchar(300) not null,
    primary key (id)
);
create index outbox_event_pending on outbox_event (publishedAt, id);
