# OpenBao policy "virtgate-migration-service": what migration-service may do and nothing more.
# Applied by deploy/openbao/bootstrap-services.sh (./virtgate up, the compose init) and by test-support's
# OpenBaoServer; see docs/openbao-policies.md. Key names are the defaults of application.properties.

# Migration commands (virtgate.migration.signing-key): the key is created when missing (ecdsa-p256, never
# exportable) and read; commands are signed with it. Agents verify them with transit/verify (their own policy).
path "transit/keys/virtgate-migration-commands" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "type"                   = ["ecdsa-p256"]
    "exportable"             = [false]
    "allow_plaintext_backup" = [false]
    "convergent_encryption"  = [false]
    "derived"                = [false]
  }
}
path "transit/sign/virtgate-migration-commands" {
  capabilities = ["update"]
}

# Its own events: signed with its own key only (created when missing; pki-service certifies it).
path "transit/keys/virtgate-events-migration-service" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "type"                   = ["ecdsa-p256"]
    "exportable"             = [false]
    "allow_plaintext_backup" = [false]
    "convergent_encryption"  = [false]
    "derived"                = [false]
  }
}
path "transit/sign/virtgate-events-migration-service" {
  capabilities = ["update"]
}

# The trust pki-service publishes: the CA bundle and CRL (also the enrollment bundle's caCertSha256), and
# its own signer chain.
path "secret/data/virtgate/trust/ca" {
  capabilities = ["read"]
}
path "secret/data/virtgate/trust/signers/migration-service" {
  capabilities = ["read"]
}

# Nothing else: not the CA key (transit/sign/virtgate-ca), no SASL credential, no AppRole or policy.
