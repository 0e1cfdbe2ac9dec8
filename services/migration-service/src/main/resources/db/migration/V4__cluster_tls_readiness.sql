-- Whether every active host of a cluster can migrate over native TLS, as last announced.
create table cluster_tls_readiness (
    clusterId varchar(63) not null,
    nativeTlsEverywhere boolean not null,
    hosts integer not null,
    nativeTlsHosts integer not null,
    revision bigint not null,
    changedAt timestamp(6) with time zone not null,
    primary key (clusterId)
);
