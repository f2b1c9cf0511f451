#!/usr/bin/env bash
# Generates the development PKI of the safeshare partnership: a dev CA, the
# broker's server certificate, one client certificate per agency, and the bad
# material the security tests need (rogue CA, rogue-signed police, expired
# police, an agency the broker does not know, police certificates that break
# one rule each of what an agency certificate must be), its certificate
# revocation list (crl/ca.crl, empty until certs/revoke.sh revokes one), the
# person-hash key
# (person-hash.key: 32 random bytes keying the HMAC of person identifiers)
# and the audit log's signing key (audit-log.key, Ed25519, with its note
# verifier key audit-log.pub for the origin safeshare.test/audit).
#
# Usage: certs/gen-dev-pki.sh [OUT_DIR]      (default: certs/out next to this script)
#
# Idempotent: an existing CA is never regenerated; only missing leaf
# certificates are (re)made. Keys are EC P-256, signatures SHA-256, key files
# mode 600. Everything here is for development and tests only: never commit
# OUT_DIR (it is git-ignored) and never use these keys outside a dev machine.
set -euo pipefail

readonly AGENCIES=(police cfs probation health education ig lead)
readonly TRUST_DOMAIN="safeshare.test"
readonly ORG="SafeShare Dev Partnership"
readonly CA_DAYS=3650
readonly LEAF_DAYS=825
# Test material: police certificates the broker must refuse at the handshake
# although the partnership CA signed them.
readonly RULE_BREAKERS=(future-police no-eku-police no-uri-police two-uri-police)

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly OUT="${1:-${script_dir}/out}"

die() { echo "gen-dev-pki: $*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl not found in PATH"

# Every file a complete dev PKI has, as base names without extension.
all_names() {
  echo ca broker "${AGENCIES[@]}" rogue-ca rogue-police expired-police unknown \
    "${RULE_BREAKERS[@]}"
}

pki_complete() {
  local name ext
  for name in $(all_names); do
    for ext in crt key; do
      [[ -f "${OUT}/${name}.${ext}" ]] || return 1
    done
  done
}

pair_missing() { [[ ! -f "${OUT}/$1.crt" || ! -f "${OUT}/$1.key" ]]; }

# The broker's person-hash key: 32 random bytes, mode 600 (the broker refuses
# a key group or others may read). Made once; replacing it would make every
# stored person interest unmatchable.
make_person_hash_key() {
  local file="${OUT}/person-hash.key"
  [[ -f "${file}" ]] && return 0
  mkdir -p "${OUT}"
  (umask 077 && openssl rand -out "${file}" 32)
  chmod 600 "${file}"
  echo "person-hash key in ${file}"
}

# The first data key that encrypts notification bodies at rest
# (data-keys/dev-1.key: 32 random bytes, mode 600; broker.yaml data_keys).
# Made once: bodies sealed under it cannot be read without it. To rotate,
# add data-keys/<new id>.key the same way and make it data_keys.current.
make_data_key() {
  local file="${OUT}/data-keys/dev-1.key"
  [[ -f "${file}" ]] && return 0
  mkdir -p "${OUT}/data-keys"
  chmod 700 "${OUT}/data-keys"
  (umask 077 && openssl rand -out "${file}" 32)
  chmod 600 "${file}"
  echo "data key in ${file}"
}

# The audit log's checkpoint signing key: Ed25519 (PEM, mode 600), and
# audit-log.pub, the verifier key an IG lead checks checkpoints with, in the
# C2SP signed-note form "<origin>+<key id, 8 hex>+<base64(0x01 || public
# key)>", key id = the first 4 bytes of SHA-256(<origin> "\n" 0x01 <public
# key>) (broker/audit/checkpoint.h). Made once: checkpoints saved outside the
# broker are verified with this key, so the script never replaces it; the
# .pub is rewritten from the key when missing.
make_audit_log_key() {
  local key="${OUT}/audit-log.key" pub="${OUT}/audit-log.pub"
  local origin="${TRUST_DOMAIN}/audit" raw id
  mkdir -p "${OUT}"
  if [[ ! -f "${key}" ]]; then
    (umask 077 && openssl genpkey -algorithm ed25519 -out "${key}")
    chmod 600 "${key}"
    echo "audit-log signing key in ${key}"
  fi
  [[ -f "${pub}" ]] && return 0
  raw="$(mktemp)"
  # The last 32 bytes of the DER SubjectPublicKeyInfo are the raw public key.
  openssl pkey -in "${key}" -pubout -outform DER | tail -c 32 >"${raw}"
  id="$({ printf '%s\n\001' "${origin}"; cat "${raw}"; } | openssl dgst -sha256 -binary |
    head -c 4 | od -An -tx1 | tr -d ' \n')"
  echo "${origin}+${id}+$({ printf '\001'; cat "${raw}"; } | base64 -w0)" >"${pub}"
  rm -f "${raw}"
  echo "audit-log verifier key in ${pub}"
}

make_person_hash_key
make_audit_log_key
make_data_key
if [[ -f "${OUT}/ca.crt" ]] && pki_complete && [[ -f "${OUT}/crl/ca.crl" ]]; then
  echo "dev PKI already present in ${OUT}"
  exit 0
fi

mkdir -p "${OUT}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
generated=()

# quiet CMD...: runs an openssl command, showing its chatter only on failure.
quiet() {
  "$@" 2>"${work}/stderr" || { cat "${work}/stderr" >&2; die "failed: $*"; }
}

new_key() {
  (umask 077 && quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "${OUT}/$1.key")
  chmod 600 "${OUT}/$1.key"
}

random_serial() { echo "0x$(openssl rand -hex 16)"; }

# make_ca NAME CN: a self-signed CA, only when NAME.crt does not exist yet.
make_ca() {
  local name="$1" cn="$2"
  [[ -f "${OUT}/${name}.crt" ]] && return 0
  cat >"${work}/${name}.cnf" <<EOF
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  new_key "${name}"
  openssl req -x509 -new -key "${OUT}/${name}.key" -sha256 -days "${CA_DAYS}" \
    -subj "/O=${ORG}/CN=${cn}" -set_serial "$(random_serial)" \
    -config "${work}/${name}.cnf" -extensions v3_ca -out "${OUT}/${name}.crt"
  generated+=("${name}")
}

# leaf_ext KIND SAN: extension section for a serverAuth or clientAuth leaf
# (KIND "": no extended key usage at all).
leaf_ext() {
  echo "[leaf]"
  echo "basicConstraints = critical, CA:FALSE"
  echo "keyUsage = critical, digitalSignature"
  [[ -z "$1" ]] || echo "extendedKeyUsage = $1"
  echo "subjectAltName = $2"
  echo "subjectKeyIdentifier = hash"
  echo "authorityKeyIdentifier = keyid"
}

# make_leaf NAME CN CA KIND SAN [CLOCK]: a key and a certificate signed by
# CA; with CLOCK (e.g. "+2d"), signed as if the machine's clock said so
# (Debian's faketime), for certificates not valid yet.
make_leaf() {
  local name="$1" cn="$2" ca="$3" kind="$4" san="$5" clock="${6:-}"
  local skew=()
  if [[ -n "${clock}" ]]; then
    command -v faketime >/dev/null || die "faketime not found: apt-get install -y faketime"
    skew=(faketime -f "${clock}")
  fi
  [[ -f "${OUT}/${ca}.key" ]] ||
    die "${OUT}/${ca}.key is missing, cannot sign ${name}; delete ${OUT}/${ca}.crt to start over"
  leaf_ext "${kind}" "${san}" >"${work}/${name}.ext"
  new_key "${name}"
  openssl req -new -key "${OUT}/${name}.key" -subj "/O=${ORG}/CN=${cn}" \
    -out "${work}/${name}.csr"
  quiet "${skew[@]}" openssl x509 -req -in "${work}/${name}.csr" -CA "${OUT}/${ca}.crt" \
    -CAkey "${OUT}/${ca}.key" -set_serial "$(random_serial)" -sha256 \
    -days "${LEAF_DAYS}" -extfile "${work}/${name}.ext" -extensions leaf \
    -out "${OUT}/${name}.crt"
  generated+=("${name}")
}

# make_expired_leaf NAME CN CA SAN: like make_leaf, but valid only in 2020.
# OpenSSL 3.0's `x509 -req` cannot set validity dates, so use a throwaway
# `openssl ca` setup, whose -startdate/-enddate can.
make_expired_leaf() {
  local name="$1" cn="$2" ca="$3" san="$4" db="${work}/ca-db"
  mkdir -p "${db}/new"
  : >"${db}/index.txt"
  openssl rand -hex 16 >"${db}/serial"
  cat >"${db}/ca.cnf" <<EOF
[ca]
default_ca = expired
[expired]
database = ${db}/index.txt
serial = ${db}/serial
new_certs_dir = ${db}/new
default_md = sha256
policy = any
unique_subject = no
[any]
organizationName = optional
commonName = supplied
$(leaf_ext clientAuth "${san}")
EOF
  new_key "${name}"
  openssl req -new -key "${OUT}/${name}.key" -subj "/O=${ORG}/CN=${cn}" \
    -out "${work}/${name}.csr"
  quiet openssl ca -batch -notext -preserveDN -config "${db}/ca.cnf" -extensions leaf \
    -cert "${OUT}/${ca}.crt" -keyfile "${OUT}/${ca}.key" \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -in "${work}/${name}.csr" -out "${OUT}/${name}.crt"
  generated+=("${name}")
}

agency_san() { echo "URI:spiffe://${TRUST_DOMAIN}/agency/$1"; }

# Leaves are remade when missing or when their CA was just (re)made.
needs() { pair_missing "$1" || [[ " ${generated[*]} " == *" $2 "* ]]; }

main() {
  make_ca ca "SafeShare Dev Partnership CA"
  if needs broker ca; then
    make_leaf broker broker ca serverAuth "DNS:localhost, IP:127.0.0.1, IP:::1"
  fi
  local agency
  for agency in "${AGENCIES[@]}"; do
    if needs "${agency}" ca; then
      make_leaf "${agency}" "${agency}" ca clientAuth "$(agency_san "${agency}")"
    fi
  done
  if needs expired-police ca; then
    make_expired_leaf expired-police police ca "$(agency_san police)"
  fi
  if needs unknown ca; then
    make_leaf unknown unknown ca clientAuth "$(agency_san unknown)"
  fi
  if needs future-police ca; then
    make_leaf future-police police ca clientAuth "$(agency_san police)" "+2d"
  fi
  if needs no-eku-police ca; then
    make_leaf no-eku-police police ca "" "$(agency_san police)"
  fi
  if needs no-uri-police ca; then
    make_leaf no-uri-police police ca clientAuth "DNS:police.safeshare.test"
  fi
  if needs two-uri-police ca; then
    make_leaf two-uri-police police ca clientAuth "$(agency_san police), $(agency_san cfs)"
  fi
  # A fresh CA starts with nothing revoked.
  if [[ " ${generated[*]} " == *" ca "* ]]; then rm -rf "${OUT}/ca-db" "${OUT}/crl"; fi
  make_ca rogue-ca "SafeShare Rogue CA (test only)"
  if needs rogue-police rogue-ca; then
    make_leaf rogue-police police rogue-ca clientAuth "$(agency_san police)"
  fi
  [[ -f "${OUT}/crl/ca.crl" ]] || "${script_dir}/revoke.sh" --dir "${OUT}" --refresh >/dev/null
  echo "dev PKI in ${OUT}: generated ${#generated[@]} certificate(s)${generated[*]:+: ${generated[*]}}"
}

main
