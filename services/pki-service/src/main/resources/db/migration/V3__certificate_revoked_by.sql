-- Who revoked a certificate through the API (the audit trail has the whole request).
alter table issued_certificate add column revokedBy varchar(512);
