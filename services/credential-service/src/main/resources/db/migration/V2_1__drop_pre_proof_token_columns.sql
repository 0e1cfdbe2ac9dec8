-- Token hashes of the version before enrollment proofs: NOT NULL, no longer written (they were
-- dropped at start by the code this migration replaces). Absent from a database created by V1_1.
alter table host_member drop column if exists enrollment_token_sha256;
alter table host_member drop column if exists enrollmenttokensha256;
