#!/usr/bin/env bash
# Full three-phase SASL rotation across simulated hosts (default 1,000 and 10,000): real Kafka,
# OpenBao and PostgreSQL (started as processes by test-support), the packaged service as its own
# process, agents simulated in the bench JVM. Prints a table. Usage: bench.sh [hosts...]
set -euo pipefail
module="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$module/../.." && pwd)"
cd "$root"
# shellcheck source=deploy/local/bench-build.sh
source "$root/deploy/local/bench-build.sh"
bench_build services/credential-service package
cd "$module"
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of flags
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  -Dbench.service.jar=target/quarkus-app/quarkus-run.jar ${BENCH_JAVA_OPTS:-} \
  dev.virtgate.credential.bench.RotationBench "$@"
