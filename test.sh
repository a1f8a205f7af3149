#!/usr/bin/env bash
# Runs every test: the release build with the shared-object checks, the unit
# tests (swift test) and the integration tests (pytest driving real proftpd
# daemons that load the built module). Prints a summary; exits non-zero if
# anything failed. Run ./test.sh --help for the options.
set -uo pipefail   # no -e: every step runs, the summary says which failed
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here" || exit 1

SCRATCH=${SWIFT_SCRATCH_PATH:-$here/.build}
export SWIFT_SCRATCH_PATH=$SCRATCH   # install.sh --build-only uses the same one
INTEGRATION_DIR=tests/integration

usage() {
  cat <<EOF
usage: ./test.sh [--unit-only | --integration-only] [--] [pytest args...]

Steps: Debian packages (./install.sh --deps-only [--test-deps]), release build
and checks of the .so (./install.sh --build-only), unit tests (swift test),
integration tests (python3 -m pytest -q $INTEGRATION_DIR with
MOD_PROXY_SO=<build>/release/libModProxySwift.so). Needs root for the
integration tests (they start proftpd).

  --unit-only         skip the integration tests
  --integration-only  skip the unit tests
  --help              this text
Other arguments go to pytest, e.g. ./test.sh -k retr, ./test.sh -x -vv

Environment: SWIFT_SCRATCH_PATH (default .build), MOD_PROXY_SO (default the
release build), PYTHON (a python that has pytest), PROXY_IT_WORKERS (parallel
pytest-xdist workers for the integration tests, default 3; 1 runs them
serially).
EOF
}

run_unit=1 run_integration=1
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unit-only) run_integration=0 ;;
    --integration-only) run_unit=0 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; pytest_args+=("$@"); break ;;
    *) pytest_args+=("$1") ;;
  esac
  shift
done
if [ "$run_unit" -eq 0 ] && [ "$run_integration" -eq 0 ]; then
  echo "test.sh: --unit-only and --integration-only exclude each other" >&2
  exit 2
fi

logdir=$(mktemp -d /tmp/mod_proxy-test.XXXXXX)
trap 'rm -rf "$logdir"' EXIT

step() { printf '\n==== %s ====\n' "$*"; }

# Results, filled in by the steps and printed by summary().
declare -A status detail
steps=()
total_passed=0 total_failed=0 total_skipped=0

record() {   # record NAME STATUS DETAIL
  steps+=("$1"); status[$1]=$2; detail[$1]=$3
}

count() { grep -cE "$1" "$2" || true; }

# The number before WORD in $closing ("2 failed, 40 passed in 9s"), or nothing.
num() {
  sed -n "s/.*[^0-9]\\([0-9][0-9]*\\) $1.*/\\1/p; s/^\\([0-9][0-9]*\\) $1.*/\\1/p" <<<"$closing" | sed -n 1p
}

# --- steps ------------------------------------------------------------------

deps_args=(--deps-only)
[ "$run_integration" -eq 1 ] && deps_args+=(--test-deps)
step "Debian packages"
if ./install.sh "${deps_args[@]}"; then
  record deps ok "all present"
else
  record deps FAILED "./install.sh ${deps_args[*]} failed"
fi

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

so="${MOD_PROXY_SO:-$SCRATCH/release/libModProxySwift.so}"
step "release build: ./install.sh --build-only"
start=$SECONDS
if ./install.sh --build-only; then
  record build ok "$so ($((SECONDS - start)) s)"
  built=1
else
  record build FAILED "swift build -c release or the .so checks failed ($((SECONDS - start)) s)"
  built=0
fi

if [ "$run_unit" -eq 1 ]; then
  step "unit tests: swift test"
  start=$SECONDS
  log="$logdir/unit.log"
  swift test --scratch-path "$SCRATCH" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # XCTest prints one line per test case; its "with N failures" counts failed
  # assertions, not tests. Swift Testing prints one ✔/✘ line per test.
  passed=$(( $(count "^Test Case '.*' passed" "$log") + $(count '^✔ Test .* passed after' "$log") - $(count '^✔ Test run with' "$log") ))
  failed=$(( $(count "^Test Case '.*' failed" "$log") + $(count '^✘ Test .* failed after' "$log") - $(count '^✘ Test run with' "$log") ))
  skipped=$(count "^Test Case '.*' skipped" "$log")
  if [ "$rc" -eq 0 ]; then
    record unit ok "$passed passed, $failed failed, $skipped skipped ($((SECONDS - start)) s)"
  else
    # A build error fails the step before any test ran: count it as a failure.
    [ "$failed" -gt 0 ] || failed=1
    record unit FAILED "$passed passed, $failed failed, $skipped skipped, exit status $rc ($((SECONDS - start)) s)"
  fi
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
fi

pick_python() {
  local py
  # Debian's python3 first: the test packages (pytest, paramiko) come from apt.
  for py in "${PYTHON:-}" /usr/bin/python3 python3; do
    [ -n "$py" ] || continue
    if "$py" -m pytest --version >/dev/null 2>&1; then echo "$py"; return 0; fi
  done
  return 1
}

if [ "$run_integration" -eq 1 ]; then
  step "integration tests: pytest $INTEGRATION_DIR"
  start=$SECONDS
  log="$logdir/integration.log"
  if [ ! -d "$INTEGRATION_DIR" ]; then
    # A missing suite must not look green (a wrong checkout, a bad cd).
    record integration FAILED "not run: $INTEGRATION_DIR does not exist"
    total_failed=$((total_failed + 1))
  elif [ "$built" -eq 0 ] && [ -z "${MOD_PROXY_SO:-}" ]; then
    record integration FAILED "not run: the release build failed"
    total_failed=$((total_failed + 1))
  elif ! py=$(pick_python); then
    record integration FAILED "not run: no python3 with pytest (Debian package python3-pytest)"
    total_failed=$((total_failed + 1))
  else
    export MOD_PROXY_SO="$so"
    echo "MOD_PROXY_SO=$MOD_PROXY_SO"
    # Independent test files run in parallel (pytest-xdist, one file per
    # worker at a time so module fixtures are shared); each worker has its
    # own port range (harness.PortAllocator).
    parallel=()
    workers=${PROXY_IT_WORKERS:-3}
    if [ "$workers" -gt 1 ] && "$py" -c 'import xdist' 2>/dev/null; then
      parallel=(-n "$workers" --dist loadfile)
    fi
    echo "$py -m pytest -q ${parallel[*]} $INTEGRATION_DIR ${pytest_args[*]}"
    "$py" -m pytest -q "${parallel[@]}" "$INTEGRATION_DIR" "${pytest_args[@]}" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # pytest's closing line, e.g. "2 failed, 40 passed, 1 skipped in 9.87s".
    closing=$(grep -E '[0-9]+ (passed|failed|errors?|skipped|deselected)|no tests ran' "$log" | sed -n '$p')
    closing=$(sed 's/^=* *//; s/ *=*$//' <<<"$closing")
    passed=$(num passed); failed=$(num failed); errors=$(num error); skipped=$(num skipped)
    passed=${passed:-0}; failed=$(( ${failed:-0} + ${errors:-0} )); skipped=${skipped:-0}
    case "$rc" in
      0) record integration ok "$closing ($((SECONDS - start)) s)" ;;
      # pytest's 5: nothing collected or everything deselected (e.g. a typo
      # in -k). Nothing was tested, so it must not read as a pass.
      5) failed=$(( failed > 0 ? failed : 1 ))
         record integration FAILED "no tests ran: ${closing:-pytest collected none} ($((SECONDS - start)) s)" ;;
      *) [ "$failed" -gt 0 ] || failed=1
         record integration FAILED "${closing:-pytest exit status $rc} ($((SECONDS - start)) s)" ;;
    esac
    total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
  fi
fi

# --- summary ----------------------------------------------------------------

step "test.sh summary"
overall=0
for s in "${steps[@]}"; do
  printf '%-12s %-7s %s\n' "$s:" "${status[$s]}" "${detail[$s]}"
  [ "${status[$s]}" = ok ] || overall=1
done
# Failed build/deps steps count as failures too, so this line never reads
# "0 failed" on a failing run.
for s in deps build; do
  if [ "${status[$s]:-ok}" != ok ]; then total_failed=$((total_failed + 1)); fi
done
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
if [ "$overall" -eq 0 ]; then echo "RESULT: OK"; else echo "RESULT: FAILED"; fi
exit "$overall"
