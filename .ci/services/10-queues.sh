#!/usr/bin/env bash
# Starts (and if needed installs) RabbitMQ and NATS with JetStream on their standard loopback
# ports, for the tests of rabbitmq.queue and nats.consumer. No plugin is ever enabled on this
# shared RabbitMQ node: the tests that need the management API start a node of their own.
set -euo pipefail

need_apt=()
[ -x /usr/sbin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
[ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  # No init system here: keep the packages' scripts from starting the services (a failed start
  # fails rabbitmq-server's postinst); this script starts them below.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

up() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_up() {
  for _ in $(seq 1 "$3"); do up "$1" && return 0; sleep 0.5; done
  echo "$2 did not come up on port $1" >&2
  return 1
}

if ! up 5672; then
  # A fresh install names the node after the host and listens everywhere; the tests want a
  # node on loopback that does not depend on the host name resolving.
  mkdir -p /etc/rabbitmq
  [ -f /etc/rabbitmq/rabbitmq-env.conf ] || printf 'NODENAME=rabbit@localhost\nERL_EPMD_ADDRESS=127.0.0.1\n' > /etc/rabbitmq/rabbitmq-env.conf
  [ -f /etc/rabbitmq/rabbitmq.conf ] || printf 'listeners.tcp.local = 127.0.0.1:5672\n' > /etc/rabbitmq/rabbitmq.conf
  rabbitmq-server -detached
  # Erlang boots slowly on a busy machine.
  wait_up 5672 RabbitMQ 360
fi
if ! up 4222; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_up 4222 NATS 60
fi
echo "RabbitMQ and NATS (JetStream) are up"
