#!/bin/sh
# The gpio-sim checks: the real `strobe` binary against a real kernel GPIO driver (gpio-sim) on
# the libgpiod and sysfs backends. Run inside the gpio-sim guest:
#
#   scripts/gpio-sim-vm -- Tests/GpioSim/checks.sh
#
# which provides strobe and strace on PATH and STROBE_SIM_CHIP, STROBE_SIM_BASE,
# STROBE_SIM_LINES (see scripts/gpio-sim-vm --help). Prints PASS/FAIL/SKIP lines, then
# "gpio-sim: N passed, M failed" (", K skipped" when some were); exits 1 when a check failed.
#
# Environment: STROBE (the binary, default strobe), STROBE_SIM_BENCH_TOGGLES (operations per
# round of the timing table, default 2000 under plain TCG, 20000 under KVM or icount), STROBE_SIM_COUNT_SYSCALLS=1
# (run the `strobe bench --count-syscalls` check under TCG too). With /out shared
# (scripts/gpio-sim-vm --out DIR), the timing table's rows land in DIR/bench-gpio-sim-ACCEL.json.
set -u

STROBE=${STROBE:-strobe}
pass=0
fail=0
skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
skipped() { echo "SKIP $1: $2"; skip=$((skip + 1)); }
# check NAME WHY CONDITION...: PASS when the condition command succeeds.
check() {
    name=$1 why=$2
    shift 2
    if "$@"; then ok "$name"; else bad "$name" "$why"; fi
}
finish() {
    if [ "$skip" -gt 0 ]; then
        echo "gpio-sim: $pass passed, $fail failed, $skip skipped"
    else
        echo "gpio-sim: $pass passed, $fail failed"
    fi
    [ "$fail" -eq 0 ] || exit 1
    exit 0
}

for v in STROBE_SIM_CHIP STROBE_SIM_BASE STROBE_SIM_LINES; do
    eval "val=\${$v:-}"
    if [ -z "$val" ]; then
        bad "setup" "$v is not set: run this inside the guest, scripts/gpio-sim-vm -- Tests/GpioSim/checks.sh"
        finish
    fi
done
CHIP=$STROBE_SIM_CHIP
BASE=$STROBE_SIM_BASE
LINES=$STROBE_SIM_LINES
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# strobe $($STROBE --version 2>&1) on $(uname -r), ${STROBE_VM_ACCEL:-unknown accel}; gpio-sim $CHIP (/dev/$CHIP), sysfs base $BASE"
# The libgpiod generation strobe was built against (scripts/gpio-sim-vm --libgpiod 1|2).
GEN=${STROBE_VM_LIBGPIOD:-1}
ver=$($STROBE --version 2>&1)
check "libgpiod $GEN.x: strobe --version names the libgpiod it was built against and its uAPI (v$GEN)" "got '$ver'" \
    sh -c "echo '$ver' | grep -q '(libgpiod $GEN\.[0-9.]*, uAPI v$GEN)'"

lib() { timeout 60 "$STROBE" "$@" --backend libgpiod --chip "$CHIP"; }
sys() { timeout 60 "$STROBE" "$@" --backend sysfs; }
pull() { echo "pull-$2" >"$LINES/sim_gpio$1/pull"; }
value() { read -r v <"$LINES/sim_gpio$1/value" && echo "$v"; }
now_cs() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; } # uptime in centiseconds
sysfs_line() { echo "/sys/class/gpio/gpio$((BASE + $1))"; }
unexport() { [ -e "$(sysfs_line "$1")" ] && echo $((BASE + $1)) >/sys/class/gpio/unexport 2>/dev/null; return 0; }
# held N CONSUMER: whether the kernel lists line N as requested by CONSUMER (debugfs).
held() { grep -q "gpio-$((BASE + $1)) (.*|$2 *)" /sys/kernel/debug/gpio 2>/dev/null; }
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
    n=$(($1 * 20))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.05
        n=$((n - 1))
    done
    return 1
}
# edges FILE: the monitor's edge words in order ("rising falling ..."), one line.
edges() { awk '/^GPIO[0-9]+ (rising|falling) / { printf "%s%s", sep, $2; sep = " " }' "$1"; }
# gaps_at_least FILE MS: every gap between consecutive edge timestamps is at least MS.
gaps_at_least() {
    awk -v ms="$2" '/^GPIO[0-9]+ (rising|falling) / { t = $4 + 0; if (n++ && (t - last) * 1000 < ms) bad = 1; last = t }
                    END { exit bad || n < 2 }' "$1"
}

# ---------------------------------------------------------------------------------------------
# libgpiod: set and get
# ---------------------------------------------------------------------------------------------
pull 5 down
lib set 5 1 >"$tmp/out" 2>&1
rc=$?
check "libgpiod: strobe set 5 1 exits 0 and reports GPIO5 = 1 on gpio-sim-strobe" "status $rc: $(cat "$tmp/out")" \
    grep -q "^GPIO5 = 1 (output, libgpiod ($CHIP, gpio-sim-strobe)" "$tmp/out"
# libgpiod gives the line back when strobe exits, and gpio-sim sets a freed line to its pull: the 1
# does not outlive the process (on a Pi, pinctrl-bcm2835 keeps it).
check "libgpiod: after strobe set 5 1 exits, gpio-sim's value for line 5 is its pull (0, pull-down)" \
    "value is $(value 5)" test "$(value 5)" = 0
pull 5 up
lib set 5 0 >"$tmp/out" 2>&1
check "libgpiod: after strobe set 5 0 exits, line 5 goes back to its pull (1, pull-up)" \
    "status/out: $(cat "$tmp/out"); value is $(value 5)" test "$(value 5)" = 1
pull 5 down

# While strobe holds the line, gpio-sim's value attribute follows what strobe drives: blink it
# and sample.
timeout 60 "$STROBE" blink 5 --hz 2 --count 2 --backend libgpiod --chip "$CHIP" >"$tmp/blink" 2>&1 &
blink_pid=$!
saw0=''
saw1=''
saw_out=''
while kill -0 "$blink_pid" 2>/dev/null; do
    v=$(value 5)
    if held 5 strobe; then
        saw_out=1
        [ "$v" = 1 ] && saw1=1
        [ "$v" = 0 ] && saw0=1
    fi
    sleep 0.02
done
wait "$blink_pid"
rc=$?
check "libgpiod: while strobe blink holds line 5 (consumer \"strobe\"), gpio-sim's value reads 1 and 0 as it drives" \
    "status $rc, held=${saw_out:-no} saw1=${saw1:-no} saw0=${saw0:-no}: $(cat "$tmp/blink")" \
    test "$rc" = 0 -a -n "$saw1" -a -n "$saw0"

# Interrupted while it toggles fast: the termination handler stops the loop, then releases the
# request (a released request refuses further calls instead of being freed under the loop: issue
# 10). Each signal: exit 128 + signal, no crash, and the line is free again.
for sig in INT HUP TERM; do
    timeout 60 "$STROBE" blink 6 --hz 2000 --backend libgpiod --chip "$CHIP" >"$tmp/blink" 2>&1 &
    blink_pid=$!
    wait_for 20 held 6 strobe
    sleep 0.3
    kill -"$sig" "$blink_pid"
    wait "$blink_pid"
    rc=$?
    want=$((128 + $(kill -l "$sig")))
    check "libgpiod: strobe blink 6 at 2 kHz, sent SIG$sig, exits $want and gives line 6 back" \
        "status $rc: $(tr '\n' '|' <"$tmp/blink")" \
        sh -c "[ $rc -eq $want ] && ! grep -q 'gpio-$((BASE + 6)) ' /sys/kernel/debug/gpio"
done

pull 7 up
got=$(lib get 7 -q 2>&1)
check "libgpiod: strobe get 7 reads 1 after pull-up on sim_gpio7" "got '$got'" test "$got" = 1
pull 7 down
got=$(lib get 7 -q 2>&1)
check "libgpiod: strobe get 7 reads 0 after pull-down on sim_gpio7" "got '$got'" test "$got" = 0

# ---------------------------------------------------------------------------------------------
# libgpiod: an open-drain line, as the kernel reports it to another process while strobe holds
# it (gpio-sim has no open-drain hardware: gpiolib emulates it, making the line an input for 1)
# ---------------------------------------------------------------------------------------------
# hold_open_drain LEVEL PULL-ARGS...: strobe set 3 LEVEL --drive open-drain --hold 8s in the
# background; waits until it holds line 3 (od_pid is its process).
hold_open_drain() {
    level=$1
    shift
    timeout 60 "$STROBE" set 3 "$level" --drive open-drain "$@" --hold 8s --backend libgpiod --chip "$CHIP" >"$tmp/od" 2>&1 &
    od_pid=$!
    wait_for 20 held 3 strobe
}
pull 3 up
if hold_open_drain 0; then
    lib lines 3 >"$tmp/info" 2>&1
    check "open drain (libgpiod): while strobe holds line 3 driven low, another strobe's line info says \"strobe\", output, open-drain" \
        "got: $(tr '\n' '|' <"$tmp/info")" grep -q '^  line 3: unnamed "strobe" output open-drain' "$tmp/info"
    check "open drain (libgpiod): driven low, gpio-sim's value for line 3 is 0 despite its pull-up" "value $(value 3)" test "$(value 3)" = 0
else
    bad "open drain (libgpiod): strobe set 3 0 --drive open-drain --hold holds line 3" "not held within 20 s: $(cat "$tmp/od")"
fi
wait "$od_pid"
rc=$?
check "open drain (libgpiod): strobe set --drive open-drain --hold exits 0 and gives line 3 back (value back to the pull, 1)" \
    "status $rc, value $(value 3): $(tr '\n' '|' <"$tmp/od")" \
    sh -c "[ $rc -eq 0 ] && grep -q '^GPIO3 = 0 (open-drain output, driven low, libgpiod' '$tmp/od' && ! grep -q 'gpio-$((BASE + 3)) ' /sys/kernel/debug/gpio && [ \"\$(cat '$LINES/sim_gpio3/value')\" = 1 ]"
# Released with strobe's pull-up while gpio-sim's own pull says down: the 1 is the bias flag's.
pull 3 down
if hold_open_drain 1 --pull up; then
    lib lines 3 >"$tmp/info" 2>&1
    check "open drain (libgpiod): released with --pull up, line info says output, open-drain, pull-up" \
        "got: $(tr '\n' '|' <"$tmp/info")" grep -q '^  line 3: unnamed "strobe" output open-drain pull-up' "$tmp/info"
    check "open drain (libgpiod): released, gpio-sim's value for line 3 follows the pull-up (1)" "value $(value 3)" test "$(value 3)" = 1
    lib get 3 >"$tmp/out" 2>&1
    check "open drain (libgpiod): the held line is refused to another process, naming \"strobe\"" "$(tr '\n' '|' <"$tmp/out")" \
        grep -q 'busy.*"strobe"' "$tmp/out"
else
    bad "open drain (libgpiod): strobe set 3 1 --drive open-drain --pull up --hold holds line 3" "not held within 20 s: $(cat "$tmp/od")"
fi
wait "$od_pid"
lib lines 3 >"$tmp/info" 2>&1
check "open drain (libgpiod): once strobe exits, line 3 is unused and push-pull again" "got: $(tr '\n' '|' <"$tmp/info")" \
    grep -Eq '^  line 3: unnamed unused (input|output) push-pull$' "$tmp/info"

# ---------------------------------------------------------------------------------------------
# sysfs: the backend picks the chip itself (no Raspberry Pi controller here: the one with most
# lines, gpio-sim's)
# ---------------------------------------------------------------------------------------------
pull 7 up
sys get 7 >"$tmp/out" 2>&1
check "sysfs: strobe finds gpio-sim's chip by itself ($STROBE_SIM_SYSFS_CHIP, base $BASE) and get 7 reads 1 after pull-up" \
    "got: $(cat "$tmp/out")" grep -q "^GPIO7 = 1 (input, sysfs (gpiochip$BASE, gpio-sim-strobe, base $BASE))" "$tmp/out"
pull 7 down
got=$(sys get 7 -q 2>&1)
check "sysfs: strobe get 7 reads 0 after pull-down" "got '$got'" test "$got" = 0
check "sysfs: get gives line 7 back (unexported)" "$(sysfs_line 7) still exists" test ! -e "$(sysfs_line 7)"

pull 5 down
sys set 5 1 >"$tmp/out" 2>&1
rc=$?
check "sysfs: strobe set 5 1 exits 0 and reports GPIO5 = 1" "status $rc: $(cat "$tmp/out")" grep -q "^GPIO5 = 1 (output, sysfs" "$tmp/out"
# sysfs keeps the line exported as an output, so unlike libgpiod the level outlives strobe.
check "sysfs: after strobe set 5 1 exits, line 5 stays exported as an output and gpio-sim's value reads 1" \
    "direction $(cat "$(sysfs_line 5)/direction" 2>&1), value $(value 5)" \
    test "$(cat "$(sysfs_line 5)/direction" 2>/dev/null)" = out -a "$(value 5)" = 1
unexport 5
check "sysfs: unexporting line 5 gives it back to its pull (0)" "value $(value 5)" test "$(value 5)" = 0

# ---------------------------------------------------------------------------------------------
# Edge events from the kernel (gpio-sim raises its simulated interrupt on a pull change)
# ---------------------------------------------------------------------------------------------
# monitor_toggles NAME BACKEND-ARGS...: four pull changes 150 ms apart on line 9 → four
# alternating edges with kernel timestamps at least 100 ms apart.
monitor_toggles() {
    name=$1
    shift
    pull 9 down
    timeout 60 "$STROBE" monitor 9 --count 4 --timeout 20s "$@" >"$tmp/mon" 2>&1 &
    mon_pid=$!
    case "$*" in
        *sysfs*) wait_for 20 held 9 sysfs && wait_for 5 grep -qx both "$(sysfs_line 9)/edge" ;;
        *) wait_for 20 held 9 strobe ;;
    esac || { bad "$name" "the monitor did not request line 9 within 20 s: $(cat "$tmp/mon")"; kill "$mon_pid" 2>/dev/null; wait "$mon_pid"; return; }
    sleep 0.2
    for p in up down up down; do
        pull 9 "$p"
        sleep 0.15
    done
    wait "$mon_pid"
    rc=$?
    got=$(edges "$tmp/mon")
    if [ "$rc" = 0 ] && [ "$got" = "rising falling rising falling" ] && gaps_at_least "$tmp/mon" 100; then
        ok "$name"
    else
        bad "$name" "status $rc, edges '$got' (want 'rising falling rising falling', >= 100 ms apart): $(tr '\n' '|' <"$tmp/mon")"
    fi
}
monitor_toggles "events (libgpiod): 4 pull toggles on sim_gpio9 give 4 alternating edges with kernel timestamps >= 100 ms apart" \
    --backend libgpiod --chip "$CHIP"
check "events (libgpiod): the monitor gives line 9 back when --count is reached" "$(grep "gpio-$((BASE + 9)) " /sys/kernel/debug/gpio)" \
    sh -c "! grep -q 'gpio-$((BASE + 9)) ' /sys/kernel/debug/gpio"

# burst NAME TOGGLES AFTER VERDICT MONITOR-ARGS...: pull line 9 down, start `strobe monitor 9
# MONITOR-ARGS` on libgpiod, then write TOGGLES pull changes ("up down ...") in one burst, run
# the shell command AFTER, wait for the monitor, and check its edges with the shell condition
# VERDICT (on $rc and $got). The burst has to be over well inside a 50 ms debounce (the guest
# clock reads in 10 ms steps: < 40 ms is asked for; under KVM it takes microseconds, on an
# emulated CPU milliseconds), so a slow burst is tried again, up to 3 times.
burst() {
    name=$1 toggles=$2 after=$3 verdict=$4
    shift 4
    attempt=1
    while :; do
        pull 9 down
        timeout 60 "$STROBE" monitor 9 "$@" --backend libgpiod --chip "$CHIP" >"$tmp/mon" 2>&1 &
        mon_pid=$!
        if ! wait_for 20 held 9 strobe; then
            bad "$name" "the monitor did not request line 9: $(cat "$tmp/mon")"
            kill "$mon_pid" 2>/dev/null
            wait "$mon_pid"
            return
        fi
        sleep 0.2
        exec 3>"$LINES/sim_gpio9/pull"
        t0=$(now_cs)
        for p in $toggles; do echo "pull-$p" >&3; done
        t1=$(now_cs)
        exec 3>&-
        eval "$after"
        wait "$mon_pid"
        rc=$?
        got=$(edges "$tmp/mon")
        if [ $((t1 - t0)) -le 3 ]; then
            check "$name (burst < $(((t1 - t0 + 1) * 10)) ms by the guest clock)" "status $rc, edges '$got': $(tr '\n' '|' <"$tmp/mon")" \
                sh -c "rc='$rc' got='$got'; $verdict"
            return
        fi
        if [ "$attempt" -ge 3 ]; then
            bad "$name" "each of 3 bursts took longer than 30 ms by the guest clock (last $(((t1 - t0) * 10)) ms), too slow to test a 50 ms debounce"
            return
        fi
        echo "# the burst took $(((t1 - t0) * 10)) ms by the guest clock; again"
        attempt=$((attempt + 1))
    done
}

# Debounce: four toggles in a burst with --bounce 50ms → one edge. Which edge the kernel reports
# first depends on when its event thread reads the line, so only the count is checked.
burst "events (libgpiod): a 4-toggle burst with --bounce 50ms gives exactly one edge" "up down up down" ":" \
    '[ "$rc" = 0 ] && [ -n "$got" ] && [ "$got" = "${got%% *}" ]' --bounce 50ms --timeout 3s

# Kernel debounce (libgpiod 2.x, uAPI v2): the kernel reports an edge once the line has held its
# new level for the debounce time, so a 3-toggle burst (down to up) is one rising edge, a later
# clean fall one falling edge. libgpiod 1.6 can't ask for it, and says so.
name="events (libgpiod $GEN.x): --kernel-debounce 50ms turns a 3-toggle burst into one rising edge, then a clean fall into one falling edge"
if [ "$GEN" = 1 ]; then
    pull 9 down
    lib monitor 9 --kernel-debounce 50ms --timeout 1s >"$tmp/mon" 2>&1
    rc=$?
    check "events (libgpiod 1.x): --kernel-debounce is refused with one line naming libgpiod 2 and --bounce" \
        "status $rc: $(tr '\n' '|' <"$tmp/mon")" \
        sh -c "[ $rc -ne 0 ] && [ \"\$(wc -l <'$tmp/mon')\" -eq 1 ] && grep -q 'kernel debounce needs libgpiod 2' '$tmp/mon' && grep -q 'bounce' '$tmp/mon'"
else
    burst "$name" "up down up" "sleep 0.3; pull 9 down" '[ "$rc" = 0 ] && [ "$got" = "rising falling" ]' \
        --kernel-debounce 50ms --count 2 --timeout 5s
fi

monitor_toggles "events (sysfs): 4 pull toggles on sim_gpio9 give 4 alternating edges via poll(POLLPRI), >= 100 ms apart" \
    --backend sysfs
check "events (sysfs): the monitor unexports line 9 when it exits" "$(sysfs_line 9) still exists" test ! -e "$(sysfs_line 9)"

# ---------------------------------------------------------------------------------------------
# A held line is refused, naming the holder
# ---------------------------------------------------------------------------------------------
timeout 60 "$STROBE" monitor 11 --timeout 30s --backend libgpiod --chip "$CHIP" >"$tmp/mon" 2>&1 &
mon_pid=$!
if wait_for 20 held 11 strobe; then
    lib get 11 >"$tmp/out" 2>&1
    rc=$?
    check "busy: strobe get 11 fails while strobe monitor holds line 11, with one line naming the holder \"strobe\"" \
        "status $rc: $(tr '\n' '|' <"$tmp/out")" \
        sh -c "[ $rc -ne 0 ] && [ \"\$(wc -l <'$tmp/out')\" -eq 1 ] && grep -q 'busy' '$tmp/out' && grep -q '\"strobe\"' '$tmp/out'"
    timeout 60 "$STROBE" bench --backends libgpiod --chip "$CHIP" --pin 13 --op mask --mask-pins 10-12 \
        --syscall-toggles 1 --rounds 1 >"$tmp/out" 2>&1
    rc=$?
    check "busy: an output group of lines 10-12 is refused with a non-zero exit, naming line 11 and its holder \"strobe\"" \
        "status $rc: $(tr '\n' '|' <"$tmp/out")" \
        sh -c "[ $rc -ne 0 ] && grep -q 'could not measure libgpiod:.*line 11 is held by \"strobe\"' '$tmp/out'"
    kill -TERM "$mon_pid"
    wait "$mon_pid"
    check "busy: the monitor gives line 11 back on SIGTERM" "$(grep "gpio-$((BASE + 11)) " /sys/kernel/debug/gpio)" \
        wait_for 5 sh -c "! grep -q 'gpio-$((BASE + 11)) ' /sys/kernel/debug/gpio"
    got=$(lib get 11 -q 2>&1)
    check "busy: line 11 can be read once it is free" "got '$got'" test "$got" = 0
else
    bad "busy: strobe get 11 fails while strobe monitor holds line 11" "the monitor did not request line 11: $(cat "$tmp/mon")"
    kill "$mon_pid" 2>/dev/null
    wait "$mon_pid"
fi

# ---------------------------------------------------------------------------------------------
# Syscalls per operation, counted by strace in the guest: the difference between two run lengths
# cancels set-up. One ioctl per set and per clear on libgpiod, one pwrite per sysfs write, for
# the C loop and the Swift loop alike.
# ---------------------------------------------------------------------------------------------
# per_op BACKEND OP IMPL SYSCALL: syscalls of that name per operation (N=100 vs N=300).
per_op() {
    for n in 100 300; do
        strace -f -c -o "$tmp/strace-$n" "$STROBE" bench --backends "$1" --chip "$CHIP" --pin 13 --op "$2" --impl "$3" \
            --syscall-toggles "$n" --rounds 1 --json >/dev/null 2>"$tmp/strace-err" || { echo "error: $(tail -n 2 "$tmp/strace-err")"; return; }
    done
    a=$(awk -v s="$4" '$NF == s { print $4 }' "$tmp/strace-100")
    b=$(awk -v s="$4" '$NF == s { print $4 }' "$tmp/strace-300")
    awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { printf "%g", (b - a) / 200 }'
}
for impl in c swift; do
    got=$(per_op libgpiod toggle "$impl" ioctl)
    check "strace: libgpiod toggle ($impl) makes 2 ioctls per toggle (one set, one clear)" "got $got" test "$got" = 2
    got=$(per_op libgpiod read "$impl" ioctl)
    check "strace: libgpiod read ($impl) makes 1 ioctl per read" "got $got" test "$got" = 1
    got=$(per_op sysfs write "$impl" pwrite64)
    check "strace: sysfs write ($impl) makes 1 pwrite64 per write" "got $got" test "$got" = 1
    got=$(per_op libgpiod mask "$impl" ioctl)
    check "strace: libgpiod 31-line mask ($impl) makes 2 ioctls per mask toggle (one set, one clear)" "got $got" test "$got" = 2
    # What the kernel is asked to do, up then down, for lines 20-22 in one request: uAPI v1 sends
    # every line's value (GPIOHANDLE_SET_LINE_VALUES); v2 a mask of the lines it changes and their
    # bits (GPIO_V2_LINE_SET_VALUES, request order: bit 0 is line 20).
    strace -e trace=ioctl -o "$tmp/values" "$STROBE" bench --backends libgpiod --chip "$CHIP" --pin 13 --op mask --impl "$impl" \
        --mask-pins 20-22 --syscall-toggles 1 --rounds 1 --json >/dev/null 2>&1
    if [ "$GEN" = 1 ]; then
        sets=$(grep -o 'GPIOHANDLE_SET_LINE_VALUES_IOCTL, {values=\[[0-9], [0-9], [0-9]' "$tmp/values" | sed 's/.*values=\[//' | tr -d ' ' | tr '\n' ' ')
        check "strace: a libgpiod mask toggle of lines 20-22 ($impl) sends values 1,1,1 then 0,0,0 in one request" \
            "got '$sets'" test "$sets" = "1,1,1 0,0,0 "
    else
        sets=$(grep -o 'GPIO_V2_LINE_SET_VALUES_IOCTL, {bits=[0-9a-fx]*, mask=[0-9a-fx]*' "$tmp/values" | sed 's/.*{//' | tr -d ' ' | tr '\n' ' ')
        check "strace: a libgpiod mask toggle of lines 20-22 ($impl) sends one GPIO_V2_LINE_SET_VALUES with mask 0x7, bits 0x7 then 0" \
            "got '$sets'" test "$sets" = "bits=0x7,mask=0x7 bits=0,mask=0x7 "
    fi
done

# strobe's own --count-syscalls (strace under strobe bench): 4000 syscalls under ptrace per row,
# which takes minutes on an emulated CPU.
if [ "${STROBE_VM_ACCEL:-}" = tcg ] && [ -z "${STROBE_SIM_COUNT_SYSCALLS:-}" ]; then
    skipped "strobe bench --count-syscalls on libgpiod" "TCG guest: strace costs milliseconds per syscall here (about 50 s for this check); runs under KVM, or set STROBE_SIM_COUNT_SYSCALLS=1"
else
    timeout 300 "$STROBE" bench --backends libgpiod --chip "$CHIP" --pin 13 --op toggle --count-syscalls --rounds 1 \
        --syscall-toggles 1000 --json >"$tmp/cs.json" 2>"$tmp/cs.err"
    rc=$?
    rows=$(awk -F' : ' '/"impl"/ { gsub(/[",]/, "", $2); impl = $2 } /"syscalls_per_op"/ { gsub(/[ ,]/, "", $2); print impl "=" ($2 + 0) }' "$tmp/cs.json" | sort | tr '\n' ' ')
    check "strobe bench --count-syscalls: libgpiod toggle is 2 syscalls per toggle for C and Swift" "status $rc, got '$rows' $(tail -n 2 "$tmp/cs.err")" \
        test "$rows" = "c=2 swift=2 "
fi

# ---------------------------------------------------------------------------------------------
# The C path and the Swift path on the kernel backends, timed (a table, not a check of speed)
# ---------------------------------------------------------------------------------------------
if [ "${STROBE_VM_ACCEL:-}" = tcg ]; then toggles=${STROBE_SIM_BENCH_TOGGLES:-2000}; else toggles=${STROBE_SIM_BENCH_TOGGLES:-20000}; fi
bench_args="--backends libgpiod,sysfs --chip $CHIP --pin 13 --rounds 3 --syscall-toggles $toggles"
[ -d "${STROBE_OUT:-}" ] && [ -w "${STROBE_OUT:-}" ] && bench_args="$bench_args --out $STROBE_OUT"
# shellcheck disable=SC2086 # word splitting of bench_args is intended
timeout 600 "$STROBE" bench $bench_args >"$tmp/bench" 2>&1
rc=$?
sed 's/^/# /' "$tmp/bench"
check "bench: strobe bench times C and Swift on libgpiod and sysfs against gpio-sim" "status $rc" \
    sh -c "[ $rc -eq 0 ] && grep -q libgpiod '$tmp/bench' && grep -q sysfs '$tmp/bench' && ! grep -q '^skipped' '$tmp/bench'"

finish
