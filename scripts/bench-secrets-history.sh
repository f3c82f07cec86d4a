#!/usr/bin/env bash
# Benchmarks the secrets check's history scan against git alone, on a cloned history of ~1,300
# commits that replays real files (Go code, test fixtures, JSON, golden files) from
# $(go env GOROOT)/src: the exact git command the scan reads (one process, its output drained
# through a pipe as the scan drains it) side by side with the scan on one core and on every
# core (one git process per core over disjoint slices of the commits).
#
# Prints, for each, the median over the runs of wall time and of CPU time (user+sys, git's
# included; for the scan also its own apart from git's), the scan's overhead over git in CPU
# time on one core (GOMAXPROCS=1, and with taskset one CPU for git and the scan together), and
# the wall time on every core against git's. On a loaded machine wall times mean little:
# compare CPU times, and wall times only between lines of one run.
#
#   scripts/bench-secrets-history.sh [commits] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
commits="${1:-1300}"
runs="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

go build -o "$work/scanbench" ./checks/secretscheck/internal/scanbench
"$work/scanbench" -make-history "$work/origin" -source "$(go env GOROOT)/src" -commits "$commits"
# A real clone (objects packed and sent as git sends them), without a checkout: the working
# tree scan is not what is measured here.
git clone -q --no-local --no-checkout "$work/origin" "$work/repo"
patch_mb="$(git -C "$work/repo" log --all -p | wc -c | awk '{printf "%.1f", $1/1e6}')"
read -r -a gitcmd <<<"$("$work/scanbench" -git-command -path "$work/repo")"

# measure LABEL COMMAND...: runs it $runs times, prints median wall and CPU seconds (and, for
# the scan, the median of its own CPU time apart from its git processes').
measure() {
  local label="$1"; shift
  local tim="$work/time" out="$work/out" walls=() cpus=() selfs=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$tim" "$@" >"$out"
    walls+=("$(awk '{print $1}' "$tim")")
    cpus+=("$(awk '{printf "%.2f", $2+$3}' "$tim")")
    selfs+=("$(sed -n 's/^cpu: scan \([0-9.]*\)s.*/\1/p' "$out")")
  done
  local wall cpu self
  wall="$(median "${walls[@]}")"
  cpu="$(median "${cpus[@]}")"
  self="$(median "${selfs[@]}")"
  printf '%-44s wall %6.2fs   cpu %6.2fs%s\n' "$label" "$wall" "$cpu" "${self:+   (the scan itself ${self}s)}"
  echo "$cpu" >"$work/cpu.$label"
  echo "$wall" >"$work/wall.$label"
}
median() { printf '%s\n' "$@" | awk 'NF' | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

echo "history: $commits commits, $patch_mb MB of git log -p; $runs runs each, medians; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure git sh -c '"$@" | cat' sh "${gitcmd[@]}"
measure one-core env GOMAXPROCS=1 "$work/scanbench" -path "$work/repo" -history true
if command -v taskset >/dev/null; then
  measure one-cpu taskset -c 0 env GOMAXPROCS=1 "$work/scanbench" -path "$work/repo" -history true
fi
measure all-cores "$work/scanbench" -path "$work/repo" -history true
awk -v g="$(cat "$work/cpu.git")" -v l="$(cat "$work/cpu.one-core")" 'BEGIN {printf "git (the scan'"'"'s command, one process) against the scan on one core: CPU %+.0f%%\n", 100*(l-g)/g}'
if [ -f "$work/cpu.one-cpu" ]; then
  awk -v g="$(cat "$work/cpu.git")" -v l="$(cat "$work/cpu.one-cpu")" 'BEGIN {printf "the same with git and the scan on one CPU (taskset): CPU %+.0f%%\n", 100*(l-g)/g}'
fi
awk -v g="$(cat "$work/wall.git")" -v l="$(cat "$work/wall.all-cores")" -v n="$(nproc)" 'BEGIN {printf "the scan on %d cores against git alone: wall %.2fs against %.2fs\n", n, l, g}'
