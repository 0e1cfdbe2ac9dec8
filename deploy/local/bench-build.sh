# shellcheck shell=bash
# The build step every benchmark script shares. Sourced by the scripts; BenchScriptsBuildIT runs it
# from a local repository holding none of virtgate's own artifacts, as on a fresh clone.

# bench_build MODULE GOAL: builds MODULE up to GOAL together with the modules it needs (-am: a fresh
# clone has none of them installed), and writes MODULE/target/bench.classpath (test scope). With
# BENCH_BUILD_ONLY=1 the calling script stops here.
bench_build() {
  local module="$1" goal="$2"
  mvn -B -q -pl "$module" -am "$goal" dependency:build-classpath -DskipTests \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null
  if [[ "${BENCH_BUILD_ONLY:-0}" == 1 ]]; then
    echo "bench build of $module: done (BENCH_BUILD_ONLY=1)"
    exit 0
  fi
}
