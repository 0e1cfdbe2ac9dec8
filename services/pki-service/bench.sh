#!/usr/bin/env bash
# Issuance benchmark: virtgate (BouncyCastle + OpenBao Transit, batched) vs OpenBao's PKI engine,
# same CSRs, same OpenBao dev server (started here, stopped at the end). Prints a table.
#   services/pki-service/bench.sh [count]      (default 400 CSRs per cell, 3 rounds; -Dbench.rounds via BENCH_ROUNDS)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${1:-400}"
cd "$root"
# shellcheck source=deploy/local/bench-build.sh
source "$root/deploy/local/bench-build.sh"
bench_build services/pki-service test-compile
cp="$here/target/test-classes:$here/target/classes:$(cat "$here/target/bench.classpath")"
exec java -Xmx512m -Dbench.count="$count" -Dbench.rounds="${BENCH_ROUNDS:-3}" -cp "$cp" dev.virtgate.pki.bench.IssuanceBench
