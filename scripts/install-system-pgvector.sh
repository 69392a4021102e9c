#!/usr/bin/env bash
# Build pgvector for the machine's own PostgreSQL (CI's external-server tests).
# Debian 12 ships no pgvector for PostgreSQL 15; trixie's source package builds against
# postgresql-server-dev-15 in seconds. Idempotent: does nothing when already installed.
set -euo pipefail
PG_MAJOR=${PG_MAJOR:-$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)}
[ -n "$PG_MAJOR" ] || { echo "no system PostgreSQL found"; exit 1; }
if [ -f "/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; then
  echo "pgvector already installed for PostgreSQL $PG_MAJOR"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs "trixie" /etc/apt/sources.list.d/trixie-src.sources; then
  cat > /etc/apt/sources.list.d/trixie-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev >/dev/null
work=$(mktemp -d)
cd "$work"
apt-get source -qq pgvector >/dev/null 2>&1 || apt-get source pgvector
cd pgvector-*/
make -s PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" >/dev/null
make -s PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" install >/dev/null
echo "pgvector built and installed for PostgreSQL $PG_MAJOR"
