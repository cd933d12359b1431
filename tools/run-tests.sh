#!/bin/sh
# Build and run every test: the normal build, then the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer (clang), and a short
# libFuzzer run of each fuzz target.  Ends with one summary line,
# "N passed, N failed", counting cmocka test cases and fuzz runs.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=$(mktemp -d /tmp/owmi-tests-XXXXXX)
status=0

setup() {  # dir, meson options...
        dir=$1
        shift
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" "$@" >"$log/setup-$(basename "$dir").log" 2>&1 ||
                        { cat "$log/setup-$(basename "$dir").log"; return 1; }
        fi
        ninja -C "$dir" >"$log/ninja-$(basename "$dir").log" 2>&1 ||
                { tail -40 "$log/ninja-$(basename "$dir").log"; return 1; }
}

build_failed() {  # a build that fails is one failed test: say so in the summary line
        echo "== build in $1 failed"
        echo "0 passed, 1 failed"
        exit 1
}

run_suite() {  # dir, label
        echo "== $2"
        meson test -C "$1" --print-errorlogs --num-processes 2 \
                --timeout-multiplier "${TIMEOUT_MULTIPLIER:-3}" || status=1
        cp "$1/meson-logs/testlog.txt" "$log/testlog-$2.txt"
}

setup build || build_failed build
run_suite build default

# The command line end to end, on the real binary and provider plug-in.
echo "== integration"
OWMI_BUILD=build /usr/bin/python3 -m pytest -q -p no:cacheprovider test/integration \
        >"$log/pytest.txt" 2>&1 || status=1
cat "$log/pytest.txt"
py_count() {  # the number before "passed", "failed" or "error" in pytest's summary
        tail -1 "$log/pytest.txt" | grep -o "[0-9][0-9]* $1" | grep -o '^[0-9]*' || echo 0
}
py_passed=$(py_count passed)
py_failed=$(py_count failed)
py_errors=$(py_count error)

CC=clang setup build-sanitize -Db_sanitize=address,undefined -Db_lundef=false ||
        build_failed build-sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-sanitize sanitize

# The daemon end to end again, built with the sanitizers (a leak or an
# error in owmid, libowmi or the CLI fails its test).
echo "== integration (daemon, sanitizers)"
OWMI_BUILD=build-sanitize /usr/bin/python3 -m pytest -q -p no:cacheprovider \
        test/integration/test_daemon.py test/integration/test_security.py \
        test/integration/test_remote.py test/integration/test_isolation.py \
        test/integration/test_permanent.py \
        >"$log/pytest-sanitize.txt" 2>&1 || status=1
cat "$log/pytest-sanitize.txt"
san_count() {
        tail -1 "$log/pytest-sanitize.txt" | grep -o "[0-9][0-9]* $1" | grep -o '^[0-9]*' || echo 0
}
py_passed=$((py_passed + $(san_count passed)))
py_failed=$((py_failed + $(san_count failed)))
py_errors=$((py_errors + $(san_count error)))

# A short fuzzing run of each target from its corpus: new crashes fail here.
fuzz_passed=0
fuzz_failed=0
if CC=clang setup build-fuzz -Dfuzzers=true -Dtests=false -Db_sanitize=address,undefined; then
        for target in build-fuzz/fuzz/fuzz-*; do
                case "$target" in *-replay|*.p) continue ;; esac
                [ -x "$target" ] || continue
                name=$(basename "$target")
                work=$(mktemp -d "$log/$name-XXXXXX")
                cp fuzz/corpus/"${name#fuzz-}"/* "$work"/ 2>/dev/null
                dict=fuzz/"${name#fuzz-}".dict
                [ -f "$dict" ] || dict=""
                if "$target" -print_final_stats=1 -max_total_time="${FUZZ_SECONDS:-30}" -max_len=4096 \
                        ${dict:+-dict=$dict} -artifact_prefix="$log/" "$work" >"$log/$name.log" 2>&1; then
                        fuzz_passed=$((fuzz_passed + 1))
                        echo "== $name: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log/$name.log" | grep -o '[0-9]*$' || echo '?') runs, no crash"
                else
                        fuzz_failed=$((fuzz_failed + 1))
                        status=1
                        echo "== $name: CRASH"
                        tail -40 "$log/$name.log"
                fi
        done
else
        fuzz_failed=1
        status=1
fi

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)," per binary
passed=$(cat "$log"/testlog-*.txt | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
failed=$(cat "$log"/testlog-*.txt | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s),.*/\1/p' | awk '{s+=$1} END {print s+0}')
# replay tests count as one case each; a suite that failed without a
# cmocka failure line (a crash, a timeout) counts as one failed case
replays_ok=$(cat "$log"/testlog-*.txt | grep -c '^replayed [0-9]* input(s)' || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && [ "$fuzz_failed" -eq 0 ]; then
        failed=1
fi
passed=$((passed + replays_ok + fuzz_passed + ${py_passed:-0}))
failed=$((failed + fuzz_failed + ${py_failed:-0} + ${py_errors:-0}))
rm -rf "$log"
echo "$passed passed, $failed failed"
exit $status
