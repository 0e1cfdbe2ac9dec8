#!/usr/bin/env bash
# Benchmark: N migration requests (default 1000) per run against the packaged migration-service, real
# Kafka/PostgreSQL/OpenBao started from test-support; prints a table. One run per load (default 1,@50,4):
# "1" one client, "@50" 50 requests/s open loop (timed from when each was due), "4" four clients.
# The measured requests start once the service's JIT compiler has settled (warm-up rounds of 1000 until
# the compiler takes under 10 % of the service's CPU; each round is printed): ~5 minutes on 2 cores.
#   services/migration-service/bench.sh [requests] [loads]
# BENCH_JAVA_OPTS passes -Dbench.* settings (warmup, warmup-max, warmup-round, jit-quiet) to the driver;
# BENCH_SERVICE_JVM_ARGS passes JVM flags to the service (e.g. -XX:StartFlightRecording=filename=/tmp/s.jfr).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=deploy/local/bench-build.sh
source "$root/deploy/local/bench-build.sh"
bench_build services/migration-service package
cd "$here"
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of flags
exec java -Xmx512m ${BENCH_JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
    dev.virtgate.migration.bench.MigrationBench "${1:-1000}" "${2:-1,@50,4}" target/quarkus-app/quarkus-run.jar
