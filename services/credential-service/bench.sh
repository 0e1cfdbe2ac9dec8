#!/usr/bin/env bash
# Full three-phase SASL rotation across simulated hosts (default 1,000 and 10,000): real Kafka,
# OpenBao and PostgreSQL (started as processes by test-support), the packaged service as its own
# process, agents simulated in the bench JVM. Prints a table. Usage: bench.sh [hosts...]
set -euo pipefail
module="$(cd "$(dirname "$0")" && pwd)"
cd "$module/../.."
offline="${MAVEN_OFFLINE:--o}"
mvn -B -q $offline -pl services/credential-service package -DskipTests
mvn -B -q $offline -pl services/credential-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
cd "$module"
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  -Dbench.service.jar=target/quarkus-app/quarkus-run.jar ${BENCH_JAVA_OPTS:-} \
  dev.virtgate.credential.bench.RotationBench "$@"
