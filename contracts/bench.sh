#!/usr/bin/env bash
# Per-event cost of authenticating events in process (JMH, sample mode: p50/p99 per operation):
# sign with a host key, verify with the signer chain cached, verify a chain seen for the first time.
#   contracts/bench.sh            (JMH defaults below; JMH_ARGS replaces them)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
# shellcheck source=deploy/local/bench-build.sh
source "$here/../deploy/local/bench-build.sh"
bench_build contracts test-compile
cp="$here/target/test-classes:$here/target/classes:$(cat "$here/target/bench.classpath")"
# shellcheck disable=SC2086 # JMH_ARGS is a list of JMH options
exec java -Xmx256m -cp "$cp" org.openjdk.jmh.Main ${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 2s} EventSignatureBench
