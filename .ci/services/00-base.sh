#!/usr/bin/env bash
# Starts (and if needed installs) PostgreSQL 15, MariaDB and Redis on their standard loopback
# ports. Tests start their own extra instances from these binaries.
set -euo pipefail

need_apt=()
command -v git >/dev/null || need_apt+=(git)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15 postgresql-client-15)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server mariadb-client)
command -v redis-server >/dev/null || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

up() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_up() {
  for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done
  echo "$2 did not come up on port $1" >&2
  return 1
}

if ! up 5432; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -n1)
  if [ -z "$cluster" ]; then
    pg_createcluster 15 main >/dev/null
    cluster=15
  fi
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  wait_up 5432 PostgreSQL
fi
if ! up 3306; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_up 3306 MariaDB
fi
if ! up 6379; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_up 6379 Redis
fi
echo "PostgreSQL, MariaDB and Redis are up"
