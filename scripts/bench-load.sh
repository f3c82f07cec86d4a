#!/usr/bin/env bash
# Benchmarks http.load's generator: 2,000 req/s for 10 s against a trivial loopback handler (a
# separate process), then wrk against the same handler for scale. Prints the rate achieved
# against the rate requested, the latency percentiles, launchgate's peak RSS (via
# /usr/bin/time -v) and the load average, which says how busy the machine was.
# Floors on a 2-core machine: achieved within 2% of requested, peak RSS < 64 MB.
#
#   scripts/bench-load.sh [rate] [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-2000}"
duration="${2:-10s}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/launchgate" ./cmd/launchgate

# The handler lives in its own module, so that it is no part of launchgate's.
mkdir -p "$work/target"
cat >"$work/target/go.mod" <<'EOF'
module benchtarget

go 1.22
EOF
cat >"$work/target/main.go" <<'EOF'
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	os.Stdout.Close()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	}))
}
EOF
(cd "$work/target" && go build -o "$work/target/server" .)
"$work/target/server" >"$work/addr" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
addr="$(cat "$work/addr")"

cat >"$work/load.yaml" <<EOF
version: 1
name: bench-load
checks:
  - id: bench
    type: http.load
    timeout: 2m
    with:
      allow_load: true
      targets: [{url: "http://$addr/"}]
      rate: $rate/s
      duration: $duration
EOF

echo "== launchgate http.load: $rate/s for $duration against http://$addr/ (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -v "$work/launchgate" run "$work/load.yaml" --format json >"$work/out.json" 2>"$work/time" || true
python3 - "$work/out.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
r = doc["results"][0]
print("   status:", r["status"], "-", r["summary"])
for e in r["evidence"]:
    if e["label"] in ("traffic", "rate", "latency", "error rate", "dropped"):
        print("   %-10s %s" % (e["label"], e["observed"]))
EOF
awk -F: '/Maximum resident/ {gsub(/ /,"",$2); printf "   peak RSS %.1f MB\n", $2/1024}
         /User time/ {u=$2} /System time/ {s=$2} END {printf "   cpu (user+sys) %.2fs\n", u+s}' "$work/time"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if command -v wrk >/dev/null; then
  secs="${duration%s}"
  echo "== wrk -t2 -c50 -d${secs}s (closed model: as fast as the handler answers, for scale)"
  wrk -t2 -c50 -d"${secs}s" --latency "http://$addr/" | sed 's/^/   /'
else
  echo "== wrk not installed (apt-get install wrk) — skipped"
fi
