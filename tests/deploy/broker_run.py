#!/usr/bin/env python3
"""The broker run by tests/deploy/check_deploy.sh on deploy/'s configs.

  broker_run.py runnable-config CONFIG OUT_DIR PKI_DIR AGREEMENTS ADMIN_PORT [--sqlite]
      writes OUT_DIR/broker.yaml: CONFIG (a broker.yaml, or the ConfigMap
      holding one) with every file it names replaced by the development
      PKI's (certs/gen-dev-pki.sh PKI_DIR) under OUT_DIR, the agencies'
      certificate URIs the dev PKI's, admin.listen on 127.0.0.1:ADMIN_PORT
      and a PostgreSQL host that refuses at once. From a ConfigMap, the CA
      bundle, CRLs and agreements are laid out as the kubelet mounts volumes
      (symlinks through ..data).
      --sqlite: the store is a SQLite file in OUT_DIR and the keys this
      broker build may not know yet (store.kind, dsn, password_file,
      state_directory, admin) are left out.
  broker_run.py syscalls UNIT TRACE
      the system calls in TRACE (strace -f output) that UNIT's
      SystemCallFilter= lines forbid, socket families outside its
      RestrictAddressFamilies=, and writable+executable mappings (its
      MemoryDenyWriteExecute=yes); needs systemd-analyze. Exit 1 if any.
"""
import os
import re
import shutil
import subprocess
import sys

import yaml

from deploy_yaml import get


def syscall_groups():
    text = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                          text=True, check=True).stdout
    groups, current = {}, None
    for line in text.splitlines():
        if re.match(r"^@\S+", line):
            current = groups.setdefault(line.split()[0], [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())

    def expand(item):
        if not item.startswith("@"):
            return {item}
        return set().union(*[expand(i) for i in groups.get(item, [])]) if groups.get(item) else set()
    return expand


def syscalls(unit, trace):
    """Problems of the traced run under the unit's sandbox settings."""
    expand = syscall_groups()
    allowed, denied, families, wx = None, set(), None, False
    for line in open(unit):
        key, _, value = line.strip().partition("=")
        if key == "SystemCallFilter" and value:
            deny = value.startswith("~")
            names = set().union(*[expand(n) for n in value.lstrip("~").split()])
            if deny:
                denied |= names
            else:
                allowed = names if allowed is None else allowed | names
        elif key == "RestrictAddressFamilies":
            families = set(value.split())
        elif key == "MemoryDenyWriteExecute":
            wx = value == "yes"
    used, used_families, wx_maps = set(), set(), 0
    for line in open(trace):
        m = re.match(r"^\d+\s+([a-z_0-9]+)\(", line)
        if not m:
            continue
        used.add(m.group(1))
        fam = re.match(r"^\d+\s+socket\((AF_[A-Z0-9]+)", line)
        if fam:
            used_families.add(fam.group(1))
        if m.group(1) in ("mmap", "mprotect") and "PROT_WRITE" in line and "PROT_EXEC" in line:
            wx_maps += 1
    problems = [f"system call {c} is not allowed by SystemCallFilter"
                for c in sorted(used - (allowed if allowed is not None else used) | (used & denied))]
    if families is not None:
        problems += [f"socket family {f} is not in RestrictAddressFamilies" for f in sorted(used_families - families)]
    if wx and wx_maps:
        problems.append(f"{wx_maps} writable and executable mappings, which MemoryDenyWriteExecute refuses")
    print(f"{len(used)} distinct system calls, socket families {sorted(used_families)}: "
          f"{'all allowed' if not problems else 'not all allowed'}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


# ------------------------------------------------------------ runnable config

def runnable_config(source, out, pki, agreements, admin_port, sqlite):
    docs = list(yaml.safe_load_all(open(source)))
    config = docs[0]
    kubernetes = config.get("kind") == "ConfigMap"
    if kubernetes:
        config = yaml.safe_load(config["data"]["broker.yaml"])
    current = get(config, "data_keys", "current")
    os.makedirs(out, mode=0o700, exist_ok=True)

    def place(name, src=None, directory=False, content=None):
        dst = os.path.join(out, name)
        if directory:
            shutil.copytree(src, dst, dirs_exist_ok=True) if src else os.makedirs(dst, exist_ok=True)
            os.chmod(dst, 0o700)
        else:
            shutil.copyfile(src, dst) if src else open(dst, "w").write(content)
            os.chmod(dst, 0o600)
        return dst

    def kubelet_volume(name, files):
        """A directory laid out as the kubelet mounts a ConfigMap or Secret:
        each file a symlink through ..data into a hidden timestamped one."""
        volume = os.path.join(out, name)
        os.makedirs(os.path.join(volume, "..2026_01_01_00_00_00.000000001"))
        os.symlink("..2026_01_01_00_00_00.000000001", os.path.join(volume, "..data"))
        for f in files:
            shutil.copyfile(f, os.path.join(volume, "..data", os.path.basename(f)))
            os.symlink(os.path.join("..data", os.path.basename(f)),
                       os.path.join(volume, os.path.basename(f)))
        return volume

    config["tls"].update(certificate=place("broker.crt", f"{pki}/broker.crt"),
                         private_key=place("broker.key", f"{pki}/broker.key"),
                         client_ca=place("ca.crt", f"{pki}/ca.crt"))
    if "crl_directory" in config["tls"]:
        config["tls"]["crl_directory"] = place("crl", f"{pki}/crl", directory=True)
    config["agreements"] = agreements
    if kubernetes:  # what the Deployment mounts from ConfigMaps and Secrets
        crl = [os.path.join(pki, "crl", f) for f in os.listdir(os.path.join(pki, "crl"))
               if f.endswith(".crl")]
        config["tls"]["client_ca"] = os.path.join(kubelet_volume("tls", [f"{pki}/ca.crt"]), "ca.crt")
        config["tls"]["crl_directory"] = kubelet_volume("crl-volume", crl)
        config["agreements"] = kubelet_volume("agreements", [
            os.path.join(agreements, f) for f in sorted(os.listdir(agreements))])
    for agency in config.get("agencies") or []:  # the dev PKI's SAN URIs
        agency["certificate_uri"] = f"spiffe://safeshare.test/agency/{agency['id']}"
    config["person_hash_key"] = place("person-hash.key", f"{pki}/person-hash.key")
    keys = place("data-keys", directory=True)
    shutil.copyfile(f"{pki}/data-keys/dev-1.key", os.path.join(keys, f"{current}.key"))
    os.chmod(os.path.join(keys, f"{current}.key"), 0o600)
    config["data_keys"]["directory"] = keys
    config["audit"]["signing_key"] = place("audit-log.key", f"{pki}/audit-log.key")
    store = config.setdefault("store", {})
    if sqlite:
        config["store"] = {"path": os.path.join(out, "store.db")}
        config.pop("admin", None)
    else:
        if store.get("kind", "sqlite") == "sqlite":
            store["path"] = os.path.join(out, "store.db")
        if "dsn" in store:  # a database that refuses at once
            store["dsn"] = re.sub(r"\bport=\S+", "port=1", re.sub(r"\bhost=\S+", "host=127.0.0.1", store["dsn"]))
        if "password_file" in store:
            store["password_file"] = place("db-password", content="not-a-password\n")
        if "state_directory" in store:
            store["state_directory"] = place("state", directory=True)
        if "admin" in config:
            config["admin"]["listen"] = f"127.0.0.1:{admin_port}"
    with open(os.path.join(out, "broker.yaml"), "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    return 0

def main(argv):
    if len(argv) == 3 and argv[0] == "syscalls":
        return syscalls(argv[1], argv[2])
    if len(argv) in (6, 7) and argv[0] == "runnable-config":
        return runnable_config(*argv[1:6], sqlite="--sqlite" in argv[6:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
