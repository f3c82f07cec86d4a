#!/usr/bin/env bash
# Installs what the postgres.backups and postgres.queries tests need beyond PostgreSQL 15 itself:
# Debian's pgbackrest (a real stanza and full backup), pg_dump/pg_restore, and pg_stat_statements
# (shipped in postgresql-15 on Debian 12; in postgresql-contrib on older layouts). The tests start
# their own clusters from these binaries; nothing here runs as a service.
set -euo pipefail

need_apt=()
command -v pgbackrest >/dev/null || need_apt+=(pgbackrest)
command -v pg_restore >/dev/null && command -v pg_dump >/dev/null || need_apt+=(postgresql-client-15)
[ -f /usr/share/postgresql/15/extension/pg_stat_statements.control ] || need_apt+=(postgresql-contrib)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
pgbackrest version
test -f /usr/share/postgresql/15/extension/pg_stat_statements.control
echo "pgbackrest, pg_dump/pg_restore and pg_stat_statements are installed"
