#!/usr/bin/env bash
# Checks what can be checked of deploy/ on this machine (ctest label deploy):
#   1. systemd: `systemd-analyze verify` passes on deploy/systemd's unit (a
#      copy whose ExecStart is the built broker) with no warning, the unit
#      has every hardening setting its README promises, and the check
#      refuses four broken copies; systemd-sysusers creates the user from
#      safeshare.sysusers.conf in a scratch root; every system call of the
#      broker (traced as an unprivileged user while it starts, answers a
#      health check and a publish, and stops) passes the unit's
#      SystemCallFilter, RestrictAddressFamilies and MemoryDenyWriteExecute.
#   2. every YAML file under deploy/ parses; the Kubernetes manifests, the
#      compose file, the example configs and the Dockerfile hold what the
#      READMEs promise (tests/deploy/check_manifests.py, which first proves
#      each check fails on broken copies); the runtime stage installs every
#      Debian package the built binaries load (ldd + dpkg -S); `kubectl
#      kustomize deploy/k8s` builds when kubectl is installed.
#   3. the image: built when docker or podman is installed and running,
#      otherwise "no container engine: image build not checked"; either way
#      the sources the Dockerfile copies configure with BUILD_TESTING=OFF.
#      The ConfigMap's sync-keys.sh makes owner-only copies from Secret
#      volumes laid out as the kubelet does, and refuses a broken variant.
#   4. the example broker configs (systemd, compose, the k8s ConfigMap) are
#      started with the broker itself (tests/deploy/broker_run.py makes the
#      runnable copies), their files replaced by a development
#      PKI in a scratch directory, and stopped with SIGTERM: as written when
#      this build knows every key and can reach the store, otherwise with the
#      store a SQLite file and the keys it does not know yet left out (said);
#      a copy with a bad value must be refused.
#
# Usage: tests/deploy/check_deploy.sh BROKER_BINARY CLI_BINARY
# The scratch directory goes under $TMPDIR; kept after a failure, or always
# with KEEP_DEPLOY_CHECK=1.
set -euo pipefail

die() { echo "check_deploy: $*" >&2; exit 1; }
broker="${1:-}"
cli="${2:-}"
[ -x "$broker" ] && [ -x "$cli" ] || die "usage: check_deploy.sh BROKER_BINARY CLI_BINARY"
broker="$(cd "$(dirname "$broker")" && pwd)/$(basename "$broker")"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
"$python" -c 'import yaml' 2>/dev/null || die "$python has no yaml module: install python3-yaml (tests/install-deps.sh)"
command -v systemd-analyze >/dev/null || die "systemd-analyze not found: install systemd (tests/install-deps.sh)"

mkdir -p "${TMPDIR:-/tmp}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/safeshare-deploy-XXXXXX")"
broker_pid=""
traced=""  # the broker strace runs, when broker_pid is strace
failures=0
on_exit() {
  local status=$?
  if [ -n "$broker_pid" ]; then kill -KILL "$broker_pid" 2>/dev/null || true; fi
  if [ -n "$traced" ]; then kill -KILL "$traced" 2>/dev/null || true; fi
  if [ "$status" -eq 0 ] && [ -z "${KEEP_DEPLOY_CHECK:-}" ]; then rm -rf "$dir"; else echo "check_deploy: files kept in $dir" >&2; fi
}
trap on_exit EXIT
step() { printf '== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# ---------------------------------------------------------------- 1. systemd
unit="$repo/deploy/systemd/safeshare-broker.service"
readonly HARDENING=(
  "User=safeshare" "StateDirectory=safeshare" "ConfigurationDirectory=safeshare"
  "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes"
  "NoNewPrivileges=yes" "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"
  "CapabilityBoundingSet=" "SystemCallFilter=@system-service" "UMask=0077"
  "Restart=on-failure" "TimeoutStopSec=30s"
  "ExecStart=/usr/local/bin/safeshare-broker --config /etc/safeshare/broker.yaml"
)
# check_unit FILE: 0 when systemd-analyze verifies a copy of FILE (ExecStart
# on the built broker) without a word, and FILE has every HARDENING line.
check_unit() {
  local copy="$dir/systemd/safeshare-broker.service" line out
  mkdir -p "$dir/systemd"
  sed "s#^ExecStart=/usr/local/bin/safeshare-broker #ExecStart=$broker #" "$1" >"$copy"
  # verify exits 0 on settings it ignores (an unknown key, a bad value) and
  # only warns: any output is a failure. --man=no: no man pages here.
  if ! out="$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$copy" 2>&1)" ||
    [ -n "$out" ]; then
    printf '%s\n' "${out:-systemd-analyze verify failed}"
    return 1
  fi
  for line in "${HARDENING[@]}"; do
    grep -qxF -- "$line" "$1" || { echo "missing: $line"; return 1; }
  done
  grep -q '^LimitNOFILE=[0-9]' "$1" || { echo "missing: LimitNOFILE"; return 1; }
}
step "systemd: systemd-analyze verify deploy/systemd/safeshare-broker.service"
if out="$(check_unit "$unit")"; then
  echo "verified, with every hardening setting"
else
  fail "deploy/systemd/safeshare-broker.service: $out"
fi
# The check must refuse a broken unit, or it proves nothing.
declare -A breakages=(
  ["an unknown key"]='s/^UMask=0077$/UMsk=0077/'
  ["a bad value"]='s/^ProtectSystem=strict$/ProtectSystem=bogus/'
  ["a missing binary"]='s#^ExecStart=/usr/local/bin/safeshare-broker #ExecStart=/nonexistent/safeshare-broker #'
  ["no NoNewPrivileges"]='/^NoNewPrivileges=/d'
)
for name in "${!breakages[@]}"; do
  sed "${breakages[$name]}" "$unit" >"$dir/broken.service"
  if out="$(check_unit "$dir/broken.service")"; then
    fail "the unit check accepts a unit with $name"
  else
    echo "refused, as it must be, a unit with $name: $(head -n1 <<<"$out")"
  fi
done
step "systemd: systemd-sysusers deploy/systemd/safeshare.sysusers.conf (scratch root)"
mkdir -p "$dir/sysroot/etc"
if systemd-sysusers --root="$dir/sysroot" "$repo/deploy/systemd/safeshare.sysusers.conf" >/dev/null 2>&1 &&
  grep -q '^safeshare:x:[0-9]*:[0-9]*:.*:/var/lib/safeshare:' "$dir/sysroot/etc/passwd"; then
  echo "creates the system user safeshare"
else
  fail "systemd-sysusers does not create safeshare from deploy/systemd/safeshare.sysusers.conf"
fi

# ----------------------------------------------------- 2. YAML and manifests
step "manifests: YAML, Kubernetes, compose, Dockerfile, example configs"
# The Debian packages of the libraries the binaries link (their NEEDED
# entries, as ldd resolves them); apt brings what those depend on.
mapfile -t needed < <(readelf -d "$broker" "$cli" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
mapfile -t libs < <(ldd "$broker" "$cli" | awk -v names="${needed[*]}" '
  BEGIN { n = split(names, list, " "); for (i = 1; i <= n; i++) want[list[i]] = 1 }
  /=> \// && ($1 in want) { print $3 }' | sort -u)
runtime_packages=()
for lib in "${libs[@]}"; do
  package="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
    dpkg -S "/usr$lib" 2>/dev/null || true)"
  [ -n "$package" ] || { fail "no Debian package holds $lib"; continue; }
  runtime_packages+=("${package%%:*}")
done
mapfile -t runtime_packages < <(printf '%s\n' "${runtime_packages[@]}" | sort -u)
"$python" "$repo/tests/deploy/check_manifests.py" check "$repo" "${runtime_packages[@]}" ||
  fail "deploy/ manifests (above)"
if command -v kubectl >/dev/null; then
  if kubectl kustomize "$repo/deploy/k8s" >"$dir/kustomized.yaml" 2>"$dir/kustomize.err"; then
    echo "kubectl kustomize deploy/k8s: $(grep -c '^kind:' "$dir/kustomized.yaml") objects"
  else
    fail "kubectl kustomize deploy/k8s: $(cat "$dir/kustomize.err")"
  fi
else
  echo "no kubectl: kustomization not built"
fi

# The k8s ConfigMap's sync-keys.sh, with dash (the image's sh), on Secret
# volumes laid out as the kubelet does (files are symlinks into ..data/,
# group-readable): owner-only copies, then a renewed key copied again.
# secret_volume DIR NAME=CONTENT...: (re)writes a Secret volume's files.
secret_volume() {
  local volume="$1" generation item path top
  shift
  generation="$volume/..$(date +%s%N)"
  mkdir -p "$generation"
  for item in "$@"; do
    path="${item%%=*}"
    top="${path%%/*}"
    mkdir -p "$(dirname "$generation/$path")"
    printf '%s' "${item#*=}" >"$generation/$path"
    chmod 440 "$generation/$path"
    [ -L "$volume/$top" ] || ln -s "..data/$top" "$volume/$top"
  done
  ln -sfn "$(basename "$generation")" "$volume/..data.tmp" && mv -T "$volume/..data.tmp" "$volume/..data"
}
# check_sync_keys SCRIPT: 0 when SCRIPT makes owner-only copies of every key
# and copies a renewed TLS key again.
check_sync_keys() {
  local s="$dir/sync-keys" file
  rm -rf "$s"
  mkdir -p "$s/secrets" "$s/data-keys" "$s/keys"
  secret_volume "$s/secrets" tls/tls.crt=cert-1 tls/tls.key=key-1 person-hash/person-hash.key=phk \
    audit/audit-log.key=audit db/password=pw
  secret_volume "$s/data-keys" key-1.key=dk1 key-2.key=dk2
  run() { SECRETS_DIR="$s/secrets" DATA_KEYS_DIR="$s/data-keys" KEYS_DIR="$s/keys" dash "$1" once; }
  run "$1" >/dev/null || { echo "it failed"; return 1; }
  for file in tls.crt=cert-1 tls.key=key-1 person-hash.key=phk audit-log.key=audit db-password=pw \
    data-keys/key-1.key=dk1 data-keys/key-2.key=dk2; do
    [ "$(cat "$s/keys/${file%%=*}" 2>/dev/null)" = "${file#*=}" ] || { echo "no copy of ${file%%=*}"; return 1; }
    [ "$(stat -c %a "$s/keys/${file%%=*}")" = 600 ] || { echo "${file%%=*} is not mode 600"; return 1; }
  done
  [ "$(stat -c %a "$s/keys/data-keys")" = 700 ] || { echo "data-keys is not mode 700"; return 1; }
  secret_volume "$s/secrets" tls/tls.crt=cert-2 tls/tls.key=key-2 person-hash/person-hash.key=phk \
    audit/audit-log.key=audit db/password=pw
  run "$1" >/dev/null || { echo "it failed on the renewed Secret"; return 1; }
  [ "$(cat "$s/keys/tls.key")" = key-2 ] || { echo "the renewed tls.key was not copied"; return 1; }
}
step "k8s: sync-keys.sh on Secret volumes laid out as the kubelet does"
"$python" "$repo/tests/deploy/check_manifests.py" extract "$repo/deploy/k8s/configmap.yaml" sync-keys.sh \
  >"$dir/sync-keys.sh"
if out="$(check_sync_keys "$dir/sync-keys.sh")"; then
  echo "owner-only copies of every key, and a renewed TLS key copied again"
else
  fail "deploy/k8s/configmap.yaml sync-keys.sh: $out"
fi
sed 's/install -m 600/install -m 640/' "$dir/sync-keys.sh" >"$dir/sync-keys-broken.sh"
if out="$(check_sync_keys "$dir/sync-keys-broken.sh")"; then
  fail "the sync-keys check accepts a script making group-readable copies"
else
  echo "refused, as it must be, a script making group-readable copies: $out"
fi

# ------------------------------------------------------------------ 3. image
step "image: deploy/docker/Dockerfile"
engine=""
for candidate in docker podman; do
  if command -v "$candidate" >/dev/null && "$candidate" info >/dev/null 2>&1; then
    engine="$candidate"
    break
  fi
done
if [ -n "$engine" ]; then
  ignore=()
  [ "$engine" = podman ] && ignore=(--ignorefile "$repo/deploy/docker/Dockerfile.dockerignore")
  if "$engine" build "${ignore[@]}" -f "$repo/deploy/docker/Dockerfile" -t safeshare:deploy-check \
    "$repo" >"$dir/image-build.log" 2>&1; then
    echo "$engine built safeshare:deploy-check"
  else
    fail "$engine build -f deploy/docker/Dockerfile (log: $dir/image-build.log)"
  fi
else
  echo "no container engine: image build not checked"
fi
# What the build stage copies must be enough to configure without tests,
# and the context's allowlist must let each of those through.
mkdir -p "$dir/context"
while read -r source; do
  cp -r "$repo/$source" "$dir/context/"
  grep -qxF "!${source%/}" "$repo/deploy/docker/Dockerfile.dockerignore" ||
    grep -qxF "!${source%/}/" "$repo/deploy/docker/Dockerfile.dockerignore" ||
    fail "Dockerfile copies $source, which Dockerfile.dockerignore keeps out of the context"
done < <(awk '/^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' "$repo/deploy/docker/Dockerfile")
if cmake -S "$dir/context" -B "$dir/context/build" -G Ninja -DBUILD_TESTING=OFF \
  >"$dir/configure.log" 2>&1; then
  echo "the sources the Dockerfile copies configure with -DBUILD_TESTING=OFF"
else
  fail "the Dockerfile's sources do not configure with BUILD_TESTING=OFF (log: $dir/configure.log)"
fi

# --------------------------------------------------- 4. the example configs
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# run_broker DIR [SECONDS]: starts the broker on DIR/broker.yaml; when it
# serves, asks the admin port (if DIR/admin-port) for /healthz and stops it
# with SIGTERM. Returns the broker's exit code, or 124 when it neither
# served nor exited within SECONDS (default 60).
run_broker() {
  local d="$1" status=124
  rm -f "$d/port"
  "$broker" --config "$d/broker.yaml" --listen 127.0.0.1:0 --port-file "$d/port" >"$d/log" 2>&1 &
  broker_pid=$!
  for _ in $(seq "$((${2:-60} * 10))"); do
    [ -s "$d/port" ] && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$d/port" ]; then
    if [ -f "$d/admin-port" ]; then
      "$python" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$(cat "$d/admin-port")/healthz', timeout=5).status == 200 else 1)" \
        2>/dev/null && echo "admin /healthz: 200" >>"$d/log.checks" || echo "admin /healthz: no 200" >>"$d/log.checks"
    fi
    kill -TERM "$broker_pid"
    for _ in $(seq 300); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if ! kill -0 "$broker_pid" 2>/dev/null; then
    status=0
    wait "$broker_pid" || status=$?
  else
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  broker_pid=""
  return "$status"
}
bash "$repo/certs/gen-dev-pki.sh" "$dir/pki" >/dev/null

# The broker's system calls while it starts on deploy/systemd/broker.yaml
# (SQLite), answers a health check and a publish and stops, traced with
# strace, against the unit's SystemCallFilter, RestrictAddressFamilies and
# MemoryDenyWriteExecute; as an unprivileged user (like the unit's), since
# SQLite calls fchown only as root.

# trace_broker SANDBOX AS_USER...: runs the broker under strace (as AS_USER
# when given) on SANDBOX/config, asks it for health and a publish, stops
# it, and checks the trace against the unit.
trace_broker() {
  local sandbox="$1" client
  shift
  "$@" strace -f -qq -o "$sandbox/trace" "$broker" --config "$sandbox/config/broker.yaml" \
    --listen 127.0.0.1:0 --port-file "$sandbox/port" >"$sandbox/log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 600); do
    [ -s "$sandbox/port" ] && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  traced="$(pgrep -P "$broker_pid" || true)"  # strace's child: the broker
  if [ ! -s "$sandbox/port" ] || [ -z "$traced" ]; then
    fail "sandbox run: the broker did not start under strace: $(tail -n3 "$sandbox/log")"
    return
  fi
  client=("$cli" --cert "$dir/pki/police.crt" --key "$dir/pki/police.key" --ca "$dir/pki/ca.crt"
    --broker "localhost:$(cat "$sandbox/port")" --agency police)
  "${client[@]}" health >/dev/null || fail "sandbox run: health check failed"
  "${client[@]}" publish --file "$repo/config/examples/investigation_outcome.json" >/dev/null ||
    fail "sandbox run: publish failed"
  kill -TERM "$traced"
  for _ in $(seq 300); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$broker_pid" || true
  broker_pid=""
  traced=""
  if ! grep -q 'stopped cleanly' "$sandbox/log"; then
    fail "sandbox run: the broker did not stop cleanly: $(tail -n2 "$sandbox/log")"
  elif ! "$python" "$repo/tests/deploy/broker_run.py" syscalls "$unit" "$sandbox/trace"; then
    fail "deploy/systemd/safeshare-broker.service would refuse what the broker does (above)"
  else
    # ... and the check finds a call a narrower filter forbids.
    sed 's/^SystemCallFilter=@system-service$/SystemCallFilter=@basic-io/' "$unit" >"$dir/narrow.service"
    if "$python" "$repo/tests/deploy/broker_run.py" syscalls "$dir/narrow.service" \
      "$sandbox/trace" >/dev/null 2>&1; then
      fail "the system call check accepts SystemCallFilter=@basic-io"
    else
      echo "refused, as it must be, the same run under SystemCallFilter=@basic-io"
    fi
  fi
}
step "systemd: the broker's system calls under the unit's sandbox settings"
sandbox="$dir/sandbox"
mkdir -p "$sandbox"
cp -r "$repo/config/agreements" "$sandbox/agreements"
"$python" "$repo/tests/deploy/broker_run.py" runnable-config "$repo/deploy/systemd/broker.yaml" \
  "$sandbox/config" "$dir/pki" "$sandbox/agreements" "$(free_port)" --sqlite
as_user=()
if [ "$(id -u)" -eq 0 ]; then  # as nobody: SQLite calls fchown only as root
  chmod 711 "$dir"
  chown -R 65534:65534 "$sandbox"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if ! command -v strace >/dev/null; then
  echo "no strace: system calls not checked"
elif ! "${as_user[@]}" test -x "$broker" -a -r "$sandbox/config/broker.yaml"; then
  echo "user nobody cannot reach $broker or $sandbox: system calls not checked"
else
  trace_broker "$sandbox" "${as_user[@]}"
fi

step "example configs with the broker (dev PKI in a scratch directory)"
for example in systemd/broker.yaml compose/broker.yaml k8s/configmap.yaml; do
  name="${example%%/*}"
  as_written="$dir/configs/$name"
  admin_port="$(free_port)"
  "$python" "$repo/tests/deploy/broker_run.py" runnable-config "$repo/deploy/$example" \
    "$as_written" "$dir/pki" "$repo/config/agreements" "$admin_port"
  grep -q '^admin:' "$as_written/broker.yaml" && echo "$admin_port" >"$as_written/admin-port"
  status=0
  postgres=""
  grep -q 'kind: postgres' "$as_written/broker.yaml" && postgres=yes
  run_broker "$as_written" "${postgres:+20}" || status=$?
  unknown="$(grep -oE '(store\.(kind|dsn|password_file|state_directory)|admin): unknown key' \
    "$as_written/log" | head -n1 || true)"
  fallback=""
  if [ "$status" -eq 0 ] && grep -q 'stopped cleanly' "$as_written/log"; then
    if grep -q 'no 200' "$as_written/log.checks" 2>/dev/null; then
      fail "deploy/$example: served, but admin /healthz did not answer 200"
    else
      echo "deploy/$example: loads, serves and stops cleanly as written$(
        [ -f "$as_written/log.checks" ] && echo "; $(cat "$as_written/log.checks")")"
    fi
  elif [ "$status" -eq 2 ] && [ -n "$unknown" ]; then
    echo "deploy/$example: this broker build does not know ${unknown%%:*} yet (exit 2); trying it on a SQLite store without the keys being added (store.kind, dsn, password_file, state_directory, admin)"
    fallback=yes
  elif [ "$status" -eq 1 ] && [ -n "$postgres" ]; then
    echo "deploy/$example: loads; no PostgreSQL here to serve from (exit 1: $(tail -n1 "$as_written/log" | cut -c1-160))"
    fallback=yes
  elif [ "$status" -eq 124 ] && [ -n "$postgres" ]; then
    echo "deploy/$example: loads; not serving after 20 s without a PostgreSQL (waiting for it?)"
    fallback=yes
  else
    fail "deploy/$example: the broker refused it (exit $status): $(tail -n3 "$as_written/log")"
  fi
  if [ -n "$fallback" ]; then
    "$python" "$repo/tests/deploy/broker_run.py" runnable-config "$repo/deploy/$example" \
      "$dir/configs/$name-sqlite" "$dir/pki" "$repo/config/agreements" "$admin_port" --sqlite
    status=0
    run_broker "$dir/configs/$name-sqlite" || status=$?
    if [ "$status" -eq 0 ] && grep -q 'stopped cleanly' "$dir/configs/$name-sqlite/log"; then
      echo "deploy/$example: on a SQLite store without those keys, loads, serves and stops cleanly"
    else
      fail "deploy/$example (SQLite store, without the new keys): exit $status: $(tail -n3 "$dir/configs/$name-sqlite/log")"
    fi
  fi
done

# The broker must refuse a broken copy, or starting it proves nothing.
broken="$dir/configs/broken"
"$python" "$repo/tests/deploy/broker_run.py" runnable-config "$repo/deploy/systemd/broker.yaml" \
  "$broken" "$dir/pki" "$repo/config/agreements" "$(free_port)" --sqlite
sed -i 's/^  max_queued_writes: .*/  max_queued_writes: lots/' "$broken/broker.yaml"
status=0
run_broker "$broken" || status=$?
if [ "$status" -eq 2 ]; then
  echo "refused, as it must be, a copy with max_queued_writes: lots: $(grep -o 'max_queued_writes.*' "$broken/log" | head -n1)"
else
  fail "the broker did not refuse a config with max_queued_writes: lots (exit $status)"
fi

if [ "$failures" -gt 0 ]; then
  echo "check_deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "check_deploy: all checks passed"
