# OpenBao policy "virtgate-pki-service": what pki-service, the CA, may do and nothing more.
# Applied by deploy/openbao/bootstrap-services.sh (./virtgate up, the compose init) and by test-support's
# OpenBaoServer; see docs/openbao-policies.md. Paths and key names are the defaults of application.properties.

# The CA keys (virtgate.pki.key-name, virtgate-ca by default; the name must start with "virtgate-ca").
# Created when missing, read (versions, public keys), rotated; never exportable, never with a plaintext
# backup. The glob also matches the keys' sub-paths (config, trim, import...): only the parameters below
# are accepted there, so no exportable, deletion_allowed or min_*_version can be set through them.
path "transit/keys/virtgate-ca*" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "type"                   = ["ecdsa-p256", "ecdsa-p384", "rsa-3072"]
    "exportable"             = [false]
    "allow_plaintext_backup" = [false]
    "convergent_encryption"  = [false]
    "derived"                = [false]
  }
}

# Signing with a CA key: certificates and CRLs (prehashed SHA-256 digests, batched).
path "transit/sign/virtgate-ca*" {
  capabilities = ["update"]
}

# Each service's event-signing key: read to certify it (signer certificate), created when missing.
path "transit/keys/virtgate-events-pki-service" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "type"                   = ["ecdsa-p256"]
    "exportable"             = [false]
    "allow_plaintext_backup" = [false]
    "convergent_encryption"  = [false]
    "derived"                = [false]
  }
}
path "transit/keys/virtgate-events-credential-service" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "type"                   = ["ecdsa-p256"]
    "exportable"             = [false]
    "allow_plaintext_backup" = [false]
    "convergent_encryption"  = [false]
    "derived"                = [false]
  }
}
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

# Its own events: signed with its own key only.
path "transit/sign/virtgate-events-pki-service" {
  capabilities = ["update"]
}

# The trust every service verifies against (KV v2, mount secret): the CA bundle and CRL, and one signer
# chain per service. Written here only; read back to write only what changed.
path "secret/data/virtgate/trust/ca" {
  capabilities = ["create", "read", "update"]
}
path "secret/data/virtgate/trust/signers/+" {
  capabilities = ["create", "read", "update"]
}

# Nothing else: no SASL credential (secret/data/virtgate/clusters/...), no other Transit key, no AppRole,
# policy or identity management.
