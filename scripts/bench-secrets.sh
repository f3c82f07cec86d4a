#!/usr/bin/env bash
# Benchmarks the secrets check: the working tree of $(go env GOROOT)/src (about 130 MB in 11,500
# files, ~80 MiB of which is text outside vendor/) and the history of a generated repository with
# ~1,500 commits. Prints MB/s, wall time, CPU time and peak RSS (via /usr/bin/time -v).
# Floors on a 2-core machine: >= 100 MB/s over the tree, < 150 MB peak, history < 2 s.
#
#   scripts/bench-secrets.sh [tree-dir] [commits]
set -euo pipefail
cd "$(dirname "$0")/.."
tree="${1:-$(go env GOROOT)/src}"
commits="${2:-1500}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

go build -o "$work/scanbench" ./checks/secretscheck/internal/scanbench

measure() { # label, bytes (0 = take from output), command...
  local label="$1" bytes="$2"; shift 2
  local out="$work/out" tim="$work/time"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" >"$out" 2>"$tim"
  else
    "$@" >"$out"
  fi
  local wall; wall="$(sed -n 's/^wall: //p' "$out" | tr -d s)"
  local rss="n/a" cpu="n/a"
  if [ -s "$tim" ]; then
    rss="$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); printf "%.1f MB", $2/1024}' "$tim")"
    cpu="$(awk -F: '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2fs", u+s}' "$tim")"
  fi
  echo "== $label"
  grep -E '^(status|summary|findings)|working tree|history' "$out" | sed 's/^/   /'
  if [ "$bytes" != 0 ]; then
    awk -v b="$bytes" -v w="$wall" 'BEGIN {printf "   %.1f MB in %.3fs wall = %.0f MB/s\n", b/1e6, w, b/1e6/w}'
  else
    echo "   wall ${wall}s"
  fi
  echo "   cpu (user+sys) $cpu, peak RSS $rss, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
}

# 1. Working tree: every file of the Go source tree (not a git repository: every file is read).
tree_bytes="$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')"
cat "$(find "$tree" -type f -name '*.go' | head -2000)" >/dev/null 2>&1 || true # warm the page cache
"$work/scanbench" -path "$tree" -history false >/dev/null
measure "working tree $tree (all files, $(find "$tree" -type f | wc -l) files)" "$tree_bytes" \
  "$work/scanbench" -path "$tree" -history false

# 2. History: a repository with $commits commits, each changing a few files, built with
#    git fast-import so that building it takes a second.
repo="$work/history"
git init -q "$repo"
(
  cd "$repo"
  awk -v n="$commits" 'BEGIN {
    for (i = 1; i <= n; i++) {
      print "commit refs/heads/main"
      print "committer Bench <bench@example.com> " (1700000000 + i) " +0000"
      msg = "change " i
      print "data " length(msg); print msg
      for (f = 1; f <= 3; f++) {
        body = ""
        for (l = 0; l < 40; l++) body = body "func f" i "_" f "_" l "(x int) int { return x*" l " + " i " } // config token_" l "\n"
        print "M 644 inline pkg" (i % 50) "/file" f ".go"
        print "data " length(body)
        printf "%s\n", body
      }
    }
  }' | git fast-import --quiet
  git checkout -q main
)
measure "history of $commits commits ($(git -C "$repo" log --all -p --unified=0 | wc -c | awk '{printf "%.1f MB", $1/1e6}') of patches)" 0 \
  "$work/scanbench" -path "$repo" -history true

# 3. Side by side with gitleaks, where it is installed.
if command -v gitleaks >/dev/null; then
  measure "gitleaks dir $tree (default config)" 0 \
    sh -c 's=$(date +%s%N); gitleaks dir --no-banner --exit-code 0 --report-format json --report-path /dev/null "$1" >/dev/null 2>&1; e=$(date +%s%N); awk -v s="$s" -v e="$e" "BEGIN {printf \"wall: %.3fs\\n\", (e-s)/1e9}"' sh "$tree"
  ev="$work/eval"
  lg_line="$(go test ./checks/secretscheck -run 'TestEvaluationSet$' -count=1 -v -args -evaldir "$ev" | grep '^evaluation set:')"
  count() { # directory: how many example directories gitleaks finds something in
    gitleaks dir --no-banner --exit-code 0 --report-format json --report-path "$work/gl.json" "$1" >/dev/null 2>&1
    grep -o '"File": *"[^"]*"' "$work/gl.json" | sed 's#.*/\(true\|false\)/\([0-9]*\)/.*#\2#' | sort -u | wc -l
  }
  t="$(find "$ev/true" -mindepth 1 -maxdepth 1 -type d | wc -l)"
  f="$(find "$ev/false" -mindepth 1 -maxdepth 1 -type d | wc -l)"
  gt="$(count "$ev/true")"
  gf="$(count "$ev/false")"
  echo "== evaluation set ($t true, $f false examples)"
  echo "   launchgate: ${lg_line#evaluation set: }"
  awk -v a="$gt" -v b="$t" -v c="$gf" -v d="$f" 'BEGIN {printf "   gitleaks:   recall %.1f%% (%d of %d), false alarms %.1f%% (%d of %d)\n", 100*a/b, a, b, 100*c/d, c, d}'
fi
