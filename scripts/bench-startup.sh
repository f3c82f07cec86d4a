#!/usr/bin/env bash
# Measures how fast the launchgate binary starts: `launchgate --help` and a `validate` of the
# embedded default checklist. Prints hyperfine's figures when it is installed, else a plain
# average over 50 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/launchgate
go build -trimpath -o "$bin" ./cmd/launchgate
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 10 -r 100 "$bin --help" "$bin validate"
else
  for cmd in "--help" "validate"; do
    start=$(date +%s%N)
    for _ in $(seq 1 50); do "$bin" $cmd >/dev/null; done
    end=$(date +%s%N)
    echo "launchgate $cmd: $(( (end - start) / 50 / 1000000 )) ms mean over 50 runs"
  done
fi
