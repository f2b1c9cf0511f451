#!/usr/bin/env bash
# Revokes an agency certificate of the development PKI and publishes the
# CA's certificate revocation list (CRL) where the broker reads it
# (tls.crl_directory: OUT_DIR/crl). A running broker applies it within
# tls.refresh_seconds: new handshakes with the certificate fail, calls on
# connections it already has are refused, and its open streams end
# UNAUTHENTICATED; the change is audited (action tls_changed).
#
# Usage: certs/revoke.sh [--dir OUT_DIR] NAME|FILE.crt [REASON]
#        certs/revoke.sh [--dir OUT_DIR] --refresh
#   NAME: a certificate of OUT_DIR (e.g. police for OUT_DIR/police.crt)
#   REASON: keyCompromise (default), affiliationChanged, superseded,
#           cessationOfOperation
#   --refresh: republish the CRL with nothing added (a CRL is valid for
#              30 days; the broker warns when it is past its next update)
#
# The revocations are kept in OUT_DIR/ca-db (OpenSSL's `ca` database), so
# each run republishes all of them. For a production CA, revoke with its own
# tooling and copy its CRL into the broker's tls.crl_directory.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${script_dir}/out"
if [[ "${1:-}" == "--dir" ]]; then
  OUT="$2"
  shift 2
fi

die() { echo "revoke: $*" >&2; exit 1; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
[[ -f "${OUT}/ca.crt" && -f "${OUT}/ca.key" ]] ||
  die "no CA in ${OUT} (ca.crt, ca.key): run certs/gen-dev-pki.sh first"

db="${OUT}/ca-db"
mkdir -p "${db}" "${OUT}/crl"
[[ -f "${db}/index.txt" ]] || : >"${db}/index.txt"
[[ -f "${db}/crlnumber" ]] || echo 1000 >"${db}/crlnumber"
cat >"${db}/ca.cnf" <<CNF
[ca]
default_ca = partnership
[partnership]
database = ${db}/index.txt
crlnumber = ${db}/crlnumber
default_md = sha256
default_crl_days = 30
unique_subject = no
CNF

ca() {
  local log
  log="$(mktemp)"
  openssl ca -batch -config "${db}/ca.cnf" -cert "${OUT}/ca.crt" -keyfile "${OUT}/ca.key" "$@" \
    2>"${log}" || { cat "${log}" >&2; rm -f "${log}"; die "openssl ca $1 failed"; }
  rm -f "${log}"
}

if [[ "$1" != "--refresh" ]]; then
  cert="$1"
  [[ -f "${cert}" ]] || cert="${OUT}/$1.crt"
  [[ -f "${cert}" ]] || die "no certificate $1 (neither a file nor ${OUT}/$1.crt)"
  serial="$(openssl x509 -in "${cert}" -noout -serial | cut -d= -f2)"
  if grep -q "^R.*	${serial}	" "${db}/index.txt"; then
    echo "serial ${serial} ($(basename "${cert}")) is already revoked"
  else
    ca -revoke "${cert}" -crl_reason "${2:-keyCompromise}"
    echo "revoked serial ${serial} ($(basename "${cert}"))"
  fi
fi

# Written beside, then renamed: the broker never reads half a CRL.
ca -gencrl -out "${OUT}/crl/.ca.crl.new"
mv -f "${OUT}/crl/.ca.crl.new" "${OUT}/crl/ca.crl"
echo "CRL published: ${OUT}/crl/ca.crl ($(grep -c '^R' "${db}/index.txt") revoked)"
