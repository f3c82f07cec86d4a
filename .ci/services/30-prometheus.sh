#!/usr/bin/env bash
# Installs Debian's Prometheus and Alertmanager for the prometheus.* check tests. Nothing is
# started here: each test starts its own instance with its own configuration, data directory
# and free loopback port, and stops it. The packages' own services stay off.
set -euo pipefail

need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  # The packages start their services on install unless policy-rc.d says no: say no for the
  # install, when nothing says it already. --no-install-recommends: the node exporter the
  # package recommends would be another service.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
prometheus --version 2>&1 | head -n1
prometheus-alertmanager --version 2>&1 | head -n1
