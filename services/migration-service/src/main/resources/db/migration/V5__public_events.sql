-- The public stream warns once per certificate (CertificateExpiring): the serial it last warned about.
alter table host add column certExpiryWarnedSerial varchar(64);
