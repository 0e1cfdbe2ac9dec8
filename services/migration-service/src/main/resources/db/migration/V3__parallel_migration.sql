-- Parallel (multifd) migration with TLS: what each host's agent reported at enrolment (absent from
-- older agents: false), and a cluster's optional number of memory connections (null: the default).
alter table host add column multifdTls boolean not null default false;
alter table cluster_policy add column parallelConnections integer
    check (parallelConnections between 1 and 16);
