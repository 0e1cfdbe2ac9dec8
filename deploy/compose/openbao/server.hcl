# OpenBao for the compose stack: raft storage in the openbao-data volume, initialised and unsealed by
# the one-shot openbao-init (init.sh). Plain HTTP inside the compose network only (no published
# port carries it off the machine but 127.0.0.1:18200); docs/production.md says how to run it with TLS.
storage "raft" {
  path    = "/openbao/data"
  node_id = "virtgate-compose-1"
  # single voter: short raft timeouts, so that the election after start takes ~1 s
  performance_multiplier = 1
}
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true
}
api_addr      = "http://openbao:8200"
cluster_addr  = "https://openbao:8201"
# containers rarely get IPC_LOCK; raft's memory-mapped storage does not work with mlock anyway
disable_mlock = true
ui            = false
