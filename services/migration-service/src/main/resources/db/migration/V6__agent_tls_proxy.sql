-- TLS_AGENT_PROXY: the agents carry the memory stream inside TLS they terminate.
-- The port on which a host's agent terminates proxied streams (HostEnrolled, then every HostConfigured);
-- null: the host does not offer the mode.
alter table host add column migrationProxyPort integer check (migrationProxyPort between 1024 and 65535);
-- Opt-in per cluster: the mode puts the agent in the memory path.
alter table cluster_policy add column agentTlsProxy boolean not null default false;
-- The route a TLS_AGENT_PROXY command carried (signed in it): null for every other mode.
alter table migration add column proxyAddress varchar(253);
alter table migration add column proxyPort integer;
alter table migration add column proxyServerName varchar(253);
-- migration.mode is the only column that stores a MigrationMode (audit_record.mode is free text): its check
-- constraint, whatever it was named (Hibernate's or V1_1's inline one), accepts the new mode.
do $$
declare
    c record;
begin
    for c in select conname from pg_constraint
             where conrelid = 'migration'::regclass and contype = 'c'
               and pg_get_constraintdef(oid) like '%TLS_TUNNELLED%' loop
        execute format('alter table migration drop constraint %I', c.conname);
    end loop;
end $$;
alter table migration add constraint migration_mode_check
    check (mode in ('TLS_NATIVE','TLS_AGENT_PROXY','TLS_TUNNELLED','SASL_TUNNELLED','INSECURE'));
