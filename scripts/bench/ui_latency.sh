#!/usr/bin/env bash
# Key-to-screen latency and memory of the live dashboard while six runs train on every core.
#
# Starts `qscope` (all six optimizers on tiny) in a detached tmux pane, lets the trainers warm
# up, then presses view keys and times how long each takes to show on the pane (polling
# capture-pane every 2 ms, so the figure includes tmux's own delay). Samples the process's RSS
# every few seconds to check that memory stays flat over a long run.
#
#   scripts/bench/ui_latency.sh [seconds-to-run]    (default 120)
set -euo pipefail
BIN=${QSCOPE_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/qscope}
DURATION=${1:-120}
SESSION=qscope-latency-$$
WORK=$(mktemp -d)
trap 'tmux kill-session -t $SESSION 2>/dev/null || true; rm -rf "$WORK"' EXIT

tmux new-session -d -s "$SESSION" -x 160 -y 48 -c "$WORK" "$BIN --steps 1000000 --stats-every 100"
sleep 8
PID=$(pgrep -n -f "$BIN --steps 1000000")

now_ms() { date +%s%3N; }
press() {  # key, text that must appear
  local start end
  start=$(now_ms)
  tmux send-keys -t "$SESSION" "$1"
  until tmux capture-pane -p -t "$SESSION" | grep -q "$2"; do sleep 0.002; done
  end=$(now_ms)
  echo $((end - start))
}

latencies=()
for round in 1 2 3 4 5; do
  latencies+=("$(press 2 '╭ layers')")
  latencies+=("$(press 3 '╭ propagation')")
  latencies+=("$(press 4 '╭ compare')")
  latencies+=("$(press 1 '╭ loss')")
done
sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
echo "key to screen (ms, ${#latencies[@]} presses): median $(echo "$sorted" | sed -n "$(( (${#latencies[@]} + 1) / 2 ))p"), max $(echo "$sorted" | tail -1)"

echo "rss over ${DURATION}s (KiB):"
end=$(( $(date +%s) + DURATION ))
while [ "$(date +%s)" -lt "$end" ]; do
  printf '  t+%3ss  %s\n' "$(( DURATION - (end - $(date +%s)) ))" "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
  sleep $(( DURATION / 8 > 0 ? DURATION / 8 : 1 ))
done
tmux send-keys -t "$SESSION" q
