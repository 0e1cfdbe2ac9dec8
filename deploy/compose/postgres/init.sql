-- Runs once, on the first start of the postgres container (docker-entrypoint-initdb.d).
-- The role virtgate comes from POSTGRES_USER/POSTGRES_PASSWORD; one database per service.
CREATE DATABASE virtgate_pki OWNER virtgate;
CREATE DATABASE virtgate_credential OWNER virtgate;
CREATE DATABASE virtgate_migration OWNER virtgate;
