#!/usr/bin/env bash
# Fuzzes one target, or all in turn, for a given time each:
#
#   scripts/fuzz.sh TARGET|all [SECONDS]      (default 300 seconds per target)
#
# TARGET is a fuzz test class of core (MConnectionInboundFuzzTest, ... see `scripts/fuzz.sh list`).
# Each run is `mvn test` of that class with JAZZER_FUZZ=1: Jazzer starts from the committed inputs
# (src/test/resources/<package>/<Class>Inputs/<method>/) and from what earlier runs found
# (core/.cifuzz-corpus/, not committed). An input that fails the target is written next to the
# committed inputs as crash-<hash>; commit it with the fix and every later `mvn test` replays it.
# MAVEN_FLAGS adds options to Maven (e.g. MAVEN_FLAGS=-o to stay offline).
set -u

TARGETS="MConnectionInboundFuzzTest MConnectionPairFuzzTest FrameOpenerFuzzTest SecretConnectionHandshakeFuzzTest
NodeInfoFuzzTest PexReactorFuzzTest AddrBookFileFuzzTest NodeKeyFuzzTest NetAddressFuzzTest"

here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-}
seconds=${2:-300}

if [ -z "$target" ] || [ "$target" = "-h" ] || [ "$target" = "--help" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if [ "$target" = "list" ]; then
  echo $TARGETS | tr ' ' '\n'
  exit 0
fi
case "$seconds" in ''|*[!0-9]*) echo "SECONDS must be a whole number, got \"$seconds\"" >&2; exit 2 ;; esac

fuzz_one() {
  local class="$1"
  local inputs
  inputs=$(find "$here/core/src/test/resources" -type d -name "${class}Inputs" | head -1)
  local before
  before=$(find "$inputs" -name 'crash-*' 2>/dev/null | sort)
  mkdir -p "$here/core/target"
  echo "== $class: fuzzing for $seconds s"
  # Jazzer's hooks on for fuzzing (the replay turns them off); JUnit's own timeouts off, since
  # the whole fuzzing run is one test invocation: each target's @Timeout then only bounds one
  # input, as libFuzzer's -timeout, and a hang is reported as a finding. Netty's leak detector
  # samples instead of tracking every buffer (the build's PARANOID level costs most of the
  # speed); the replay of what the fuzzer keeps runs at PARANOID in every build.
  (cd "$here" && JAZZER_FUZZ=1 mvn -B -q ${MAVEN_FLAGS:-} -pl core test -Dtest="$class" \
      -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.hooks=true \
      -Dio.netty.leakDetection.level=simple \
      -Djunit.jupiter.execution.timeout.mode=disabled \
      -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds" \
      -Djazzer.internal.arg.2=-print_final_stats=1) >"$here/core/target/fuzz-$class.log" 2>&1
  local status=$?
  # libFuzzer writes its statistics to the fork's native stderr, which Maven shows: the log
  local log="$here/core/target/fuzz-$class.log"
  local runs
  runs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  local corpus
  corpus=$(grep -ho 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
  echo "   executions: ${runs:-unknown}, ${corpus:-corpus unknown}"
  local after
  after=$(find "$inputs" -name 'crash-*' 2>/dev/null | sort)
  if [ "$before" != "$after" ]; then
    echo "   NEW FAILING INPUT(S):"
    comm -13 <(echo "$before") <(echo "$after") | sed 's/^/     /'
  fi
  if [ $status -ne 0 ]; then
    echo "   the run failed: see core/target/fuzz-$class.log and core/target/surefire-reports/"
  fi
  return $status
}

failed=0
if [ "$target" = "all" ]; then
  for class in $TARGETS; do
    fuzz_one "$class" || failed=1
  done
else
  case " $(echo $TARGETS) " in
    *" $target "*) fuzz_one "$target" || failed=1 ;;
    *) echo "unknown target \"$target\"; one of: $(echo $TARGETS)" >&2; exit 2 ;;
  esac
fi
exit $failed
