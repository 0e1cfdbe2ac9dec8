# OpenBao policy "virtgate-credential-service": what credential-service may do and nothing more.
# Applied by deploy/openbao/bootstrap-services.sh (./virtgate up, the compose init) and by test-support's
# OpenBaoServer; see docs/openbao-policies.md. Paths are the defaults of application.properties.

# Cluster SASL credentials (virtgate.credential.kv.path-template): every rotation writes a new KV version.
# Write only: the service never reads a password back, hosts read them with their own policies.
path "secret/data/virtgate/clusters/+/libvirt-sasl" {
  capabilities = ["create", "update"]
}

# Per-host policies, named virtgate-host-<hostId>: written on a grant, deleted on a removal. OpenBao cannot
# check a policy's contents; that a virtgate-host-* policy reads one cluster's credential and verifies
# migration commands is this service's code (HostAccessService.policy), see docs/openbao-policies.md.
path "sys/policies/acl/virtgate-host-*" {
  capabilities = ["create", "update", "delete"]
}

# Per-host AppRoles virtgate-host-<hostId>: the role (and its role-id, read), wrapped secret-ids, their
# list, lookup and destruction. A role can only carry a single virtgate-host-* policy (a string without a
# comma: a list or "a,b" is refused), must keep bind_secret_id, and no custom role-id or secret-id can be
# set (role_id and secret_id are no allowed parameters).
path "auth/approle/role/virtgate-host-*" {
  capabilities = ["create", "read", "update", "delete", "list"]
  allowed_parameters = {
    "token_policies"        = ["virtgate-host-*"]
    "token_ttl"             = []
    "token_max_ttl"         = []
    "token_period"          = []
    "token_bound_cidrs"     = []
    "secret_id_bound_cidrs" = []
    "secret_id_num_uses"    = []
    "secret_id_ttl"         = []
    "bind_secret_id"        = [true]
    "metadata"              = []
    "secret_id_accessor"    = []
  }
  denied_parameters = {
    "token_policies" = ["*,*"]
  }
}

# Ending a removed host's tokens: the AppRole mount's accessor, the lookup of the role's identity entity,
# and disabling it (the only change allowed on an entity: no policies, no re-enabling).
path "sys/auth" {
  capabilities = ["read"]
}
path "identity/lookup/entity" {
  capabilities = ["update"]
  allowed_parameters = {
    "alias_name"           = []
    "alias_mount_accessor" = []
  }
}
path "identity/entity/id/*" {
  capabilities = ["update"]
  allowed_parameters = {
    "disabled" = [true]
  }
}

# Its own events: signed with its own key only (created when missing; pki-service certifies it).
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
path "transit/sign/virtgate-events-credential-service" {
  capabilities = ["update"]
}

# The trust pki-service publishes: the CA bundle and CRL, and its own signer chain.
path "secret/data/virtgate/trust/ca" {
  capabilities = ["read"]
}
path "secret/data/virtgate/trust/signers/credential-service" {
  capabilities = ["read"]
}

# Nothing else: no CA key, no other service's key, no AppRole or policy outside virtgate-host-*.
