#!/usr/bin/env bash
# Benchmarks the secrets check's history scan against git alone, on a cloned history of ~1,300
# commits that replays real files (Go code, test fixtures, JSON, golden files) from
# $(go env GOROOT)/src: the exact git command the scan reads (one process, its output drained
# through a pipe as the scan drains it) side by side with the scan on one core and on every
# core (one git process per core over disjoint slices of the commits).
#
# Prints, for each, the median over the runs of wall time and of CPU time (user+sys, git's
# included), and the scan's overhead over git in CPU time. On a loaded machine wall times mean
# little: compare CPU times, and wall times only between lines of one run.
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

# measure LABEL COMMAND...: runs it $runs times, prints median wall and CPU seconds.
measure() {
  local label="$1"; shift
  local tim="$work/time" walls=() cpus=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$tim" "$@" >/dev/null
    walls+=("$(awk '{print $1}' "$tim")")
    cpus+=("$(awk '{printf "%.2f", $2+$3}' "$tim")")
  done
  local wall cpu
  wall="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  cpu="$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  printf '%-44s wall %6.2fs   cpu %6.2fs\n' "$label" "$wall" "$cpu"
  echo "$cpu" >"$work/cpu.$label"
}

echo "history: $commits commits, $patch_mb MB of git log -p; $runs runs each, medians; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "git (the scan's command, one process)" sh -c '"$@" | cat' sh "${gitcmd[@]}"
measure "launchgate, one core" env GOMAXPROCS=1 "$work/scanbench" -path "$work/repo" -history true
measure "launchgate, $(nproc) cores" "$work/scanbench" -path "$work/repo" -history true
git_cpu="$(cat "$work/cpu.git (the scan's command, one process)")"
one_cpu="$(cat "$work/cpu.launchgate, one core")"
awk -v g="$git_cpu" -v l="$one_cpu" 'BEGIN {printf "overhead of the scan over git (one core, CPU): %+.0f%%\n", 100*(l-g)/g}'
