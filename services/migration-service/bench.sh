#!/usr/bin/env bash
# Benchmark: N migration requests (default 1000) with C concurrent clients (default 4) against the
# packaged migration-service, real Kafka/PostgreSQL/OpenBao started from test-support; prints a table.
#   services/migration-service/bench.sh [requests] [concurrency]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
mvn -B -q -o -pl services/migration-service package -DskipTests
mvn -B -q -o -pl services/migration-service dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
cd "$here"
exec java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
    dev.virtgate.migration.bench.MigrationBench "${1:-1000}" "${2:-4}" target/quarkus-app/quarkus-run.jar
