#!/usr/bin/env bash
# Make sure the local PostgreSQL (127.0.0.1:5432, database `test`) and Redis (127.0.0.1:6379)
# answer; start them if they do not; fail loudly if they still do not. Sourced by scripts/test.
set -euo pipefail

pg_answers() { pg_isready -q -h 127.0.0.1 -p 5432 -d test 2>/dev/null; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_answers; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432; starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
fi
if ! redis_answers; then
  echo "Redis does not answer on 127.0.0.1:6379; starting it" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 30); do redis_answers && break; sleep 1; done
fi
pg_answers || { echo "FATAL: PostgreSQL at 127.0.0.1:5432 (database test) is not answering" >&2; exit 1; }
redis_answers || { echo "FATAL: Redis at 127.0.0.1:6379 is not answering" >&2; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -d test -Atc "select 1" >/dev/null 2>&1; then
  echo "FATAL: cannot log in to PostgreSQL as postgres (trust auth) on database test" >&2
  exit 1
fi
echo "PostgreSQL and Redis answer."
