#!/usr/bin/env python3
"""Static checks of deploy/ for tests/deploy/check_deploy.sh (python3-yaml).

  check_manifests.py check REPO [RUNTIME_PACKAGE...]
      every YAML file under deploy/ parses; the Kubernetes manifests, the
      compose file, the example broker configs and the Dockerfile have what
      deploy/*/README.md promises (RUNTIME_PACKAGE: the Debian packages the
      built binaries load, which the image's runtime stage must install).
      Each check first proves it can fail: it must find a problem in a copy
      of the file with one thing broken, or the run fails.
  check_manifests.py syscalls UNIT TRACE
      the system calls in TRACE (strace -f output) that UNIT's
      SystemCallFilter= lines forbid, socket families outside its
      RestrictAddressFamilies=, and writable+executable mappings (its
      MemoryDenyWriteExecute=yes); needs systemd-analyze.
  check_manifests.py extract CONFIGMAP_FILE KEY
      prints the ConfigMap's data KEY (e.g. sync-keys.sh).
  check_manifests.py runnable-config CONFIG OUT_DIR PKI_DIR AGREEMENTS ADMIN_PORT [--sqlite]
      writes OUT_DIR/broker.yaml: CONFIG (a broker.yaml, or the ConfigMap
      holding one) with every file it names replaced by the development PKI's
      (certs/gen-dev-pki.sh PKI_DIR) under OUT_DIR, the agencies' certificate
      URIs the dev PKI's, admin.listen on
      127.0.0.1:ADMIN_PORT and a PostgreSQL host that refuses at once.
      From a ConfigMap, the CA bundle, CRLs and agreements are laid out as
      the kubelet mounts volumes (symlinks through ..data).
      --sqlite: the store is a SQLite file in OUT_DIR and the keys this
      broker build may not know yet (store.kind, dsn, password_file,
      state_directory, admin) are left out.
Exit 0 when everything holds; otherwise each problem on stderr, exit 1.
"""
import copy
import os
import re
import shutil
import sys

import yaml

BROKER = "safeshare-broker"
K8S_KINDS = {"Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget",
             "NetworkPolicy"}
# What the broker config names, by role (config/broker.yaml).
PATH_KEYS = [("tls", "certificate"), ("tls", "private_key"), ("tls", "client_ca"),
             ("tls", "crl_directory"), ("store", "path"), ("store", "password_file"),
             ("store", "state_directory"), ("agreements",), ("person_hash_key",),
             ("data_keys", "directory"), ("audit", "signing_key")]
# Keys being added to the broker alongside deploy/ (store.kind postgres,
# the admin port); a build without them refuses them as unknown.
NEW_KEYS = ["store.kind", "store.dsn", "store.password_file", "store.state_directory", "admin"]
# Build-stage packages tests/install-deps.sh does not list yet, and why.
BUILD_ONLY_EXTRA = {"libpq-dev": "the PostgreSQL store's client library"}
# In every Debian image (what its essential packages depend on).
IN_BASE_IMAGE = {"libc6", "libgcc-s1"}


def get(node, *keys):
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def port_of(address):
    return int(str(address).rsplit(":", 1)[1]) if address and ":" in str(address) else None


def config_paths(config):
    return {".".join(k): get(config, *k) for k in PATH_KEYS if get(config, *k) is not None}


# ---------------------------------------------------------------- broker.yaml

def check_broker_config(config, where, kind, roots):
    """The example config: ports, store kind, and every path under roots."""
    problems = []
    if not isinstance(config, dict):
        return [f"{where}: not a mapping"]
    if port_of(config.get("listen")) != 50051:
        problems.append(f"{where}: listen is not port 50051")
    if port_of(get(config, "admin", "listen")) != 9464:
        problems.append(f"{where}: admin.listen is not port 9464")
    if get(config, "store", "kind") != kind:
        problems.append(f"{where}: store.kind is not {kind}")
    if kind == "postgres":
        dsn = str(get(config, "store", "dsn") or "")
        if "dbname=" not in dsn or "password" in dsn:
            problems.append(f"{where}: store.dsn needs dbname= and no password")
        if not get(config, "store", "password_file"):
            problems.append(f"{where}: store.password_file missing")
    elif not get(config, "store", "path"):
        problems.append(f"{where}: store.path missing")
    for key, value in config_paths(config).items():
        if not str(value).startswith("/"):
            problems.append(f"{where}: {key} {value} is relative")
        elif not any(str(value) == r or str(value).startswith(r.rstrip("/") + "/") for r in roots):
            problems.append(f"{where}: {key} {value} is under none of {sorted(roots)}")
    for key in ("person_hash_key", "agreements", "audit", "data_keys", "agencies", "retention"):
        if key not in config:
            problems.append(f"{where}: {key} missing")
    return problems


# ----------------------------------------------------------------- Kubernetes

def by_kind(docs, kind):
    return [d for d in docs if isinstance(d, dict) and d.get("kind") == kind]


def matches(selector, labels):
    wanted = (selector or {}).get("matchLabels", selector or {})
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def named_port(container, port):
    for p in container.get("ports") or []:
        if port in (p.get("name"), p.get("containerPort")):
            return p.get("containerPort")
    return port


def check_probe(container, probe, path, where):
    get_ = get(container, probe, "httpGet") or {}
    if get_.get("path") != path or named_port(container, get_.get("port")) != 9464:
        return [f"{where}: {probe} is not httpGet {path} on the admin port 9464"]
    return []


def check_container_security(container, where):
    sc = container.get("securityContext") or {}
    problems = []
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: readOnlyRootFilesystem is not true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation is not false")
    if "ALL" not in (get(sc, "capabilities", "drop") or []):
        problems.append(f"{where}: capabilities.drop lacks ALL")
    if not get(container, "resources", "requests") or not get(container, "resources", "limits"):
        problems.append(f"{where}: resources.requests and limits not both set")
    return problems


def check_deployment(deployment, broker_config):
    problems = []
    spec = deployment.get("spec") or {}
    pod = get(spec, "template", "spec") or {}
    labels = get(spec, "template", "metadata", "labels") or {}
    if (spec.get("replicas") or 1) < 2:
        problems.append("Deployment: fewer than 2 replicas")
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problems.append("Deployment: pod runAsNonRoot is not true")
    if get(psc, "seccompProfile", "type") != "RuntimeDefault":
        problems.append("Deployment: pod seccompProfile is not RuntimeDefault")
    if not pod.get("topologySpreadConstraints") and not get(pod, "affinity", "podAntiAffinity"):
        problems.append("Deployment: no topologySpreadConstraints or podAntiAffinity")
    containers = pod.get("containers") or []
    for c in containers + (pod.get("initContainers") or []):
        problems += check_container_security(c, f"Deployment container {c.get('name')}")
    broker = [c for c in containers if "--config" in (c.get("args") or c.get("command") or [])]
    if len(broker) != 1:
        return problems + ["Deployment: no single container runs the broker with --config"], labels
    broker = broker[0]
    problems += check_probe(broker, "readinessProbe", "/readyz", "Deployment broker")
    problems += check_probe(broker, "livenessProbe", "/healthz", "Deployment broker")
    if 50051 not in [p.get("containerPort") for p in broker.get("ports") or []]:
        problems.append("Deployment broker: no containerPort 50051")
    mounts = [m.get("mountPath") for m in broker.get("volumeMounts") or []]
    if broker_config is not None:
        problems += check_broker_config(broker_config, "ConfigMap broker.yaml", "postgres", mounts)
    secrets = set()
    for volume in pod.get("volumes") or []:
        if get(volume, "secret", "secretName"):
            secrets.add(volume["secret"]["secretName"])
        for source in get(volume, "projected", "sources") or []:
            if get(source, "secret", "name"):
                secrets.add(source["secret"]["name"])
    for needed in ("safeshare-tls", "safeshare-data-keys", "safeshare-person-hash-key",
                   "safeshare-audit-signing-key", "safeshare-db-password"):
        if needed not in secrets:
            problems.append(f"Deployment: does not use the Secret {needed}")
    return problems, labels


def check_network_policy(policy, labels):
    problems = []
    spec = policy.get("spec") or {}
    if not matches(spec.get("podSelector"), labels):
        problems.append("NetworkPolicy: podSelector does not select the broker pods")
    if set(spec.get("policyTypes") or []) != {"Ingress", "Egress"}:
        problems.append("NetworkPolicy: policyTypes is not Ingress and Egress")
    grpc_from, admin_from = [], []
    for rule in spec.get("ingress") or []:
        ports = {p.get("port") for p in rule.get("ports") or []}
        if not ports:
            problems.append("NetworkPolicy: an ingress rule allows every port")
        if 50051 in ports:
            grpc_from += rule.get("from") or [{}]
        if 9464 in ports:
            admin_from += rule.get("from") or [{}]
    if not grpc_from or not all("ipBlock" in f for f in grpc_from):
        problems.append("NetworkPolicy: gRPC 50051 is not allowed from ipBlocks only")
    if not admin_from or any(
            get(f, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") != "monitoring"
            for f in admin_from):
        problems.append("NetworkPolicy: admin 9464 is not allowed from the monitoring namespace only")
    egress_ports = set()
    for rule in spec.get("egress") or []:
        ports = {p.get("port") for p in rule.get("ports") or []}
        if not ports or not rule.get("to"):
            problems.append("NetworkPolicy: an egress rule allows every port or destination")
        egress_ports |= ports
    if egress_ports != {5432, 53}:
        problems.append(f"NetworkPolicy: egress ports are {sorted(egress_ports)}, not 5432 and 53")
    return problems


def check_k8s(docs):
    problems = []
    kinds = {d.get("kind") for d in docs if isinstance(d, dict)}
    for kind in sorted(K8S_KINDS - kinds):
        problems.append(f"k8s: no {kind}")
    for secret in by_kind(docs, "Secret"):
        if secret.get("data") or secret.get("stringData"):
            problems.append(f"k8s: Secret {get(secret, 'metadata', 'name')} holds values")
    for d in docs:
        if isinstance(d, dict) and d.get("kind") != "Namespace" and get(d, "metadata", "namespace") != "safeshare":
            problems.append(f"k8s: {d.get('kind')} {get(d, 'metadata', 'name')} not in namespace safeshare")
    broker_config = None
    for cm in by_kind(docs, "ConfigMap"):
        if "broker.yaml" in (cm.get("data") or {}):
            broker_config = yaml.safe_load(cm["data"]["broker.yaml"])
    if broker_config is None:
        problems.append("k8s: no ConfigMap with broker.yaml")
    deployments = by_kind(docs, "Deployment")
    if len(deployments) != 1:
        return problems + ["k8s: not exactly one Deployment"]
    found, labels = check_deployment(deployments[0], broker_config)
    problems += found
    if not any(matches(get(s, "spec", "selector"), labels) and
               50051 in [p.get("port") for p in get(s, "spec", "ports") or []]
               for s in by_kind(docs, "Service")):
        problems.append("k8s: no Service on port 50051 selecting the broker pods")
    pdbs = [p for p in by_kind(docs, "PodDisruptionBudget") if matches(get(p, "spec", "selector"), labels)]
    if not pdbs or get(pdbs[0], "spec", "minAvailable") != 1:
        problems.append("k8s: no PodDisruptionBudget with minAvailable 1 for the broker pods")
    for policy in by_kind(docs, "NetworkPolicy"):
        problems += check_network_policy(policy, labels)
    return problems


def k8s_breakages(docs):
    """One copy of the manifests per way to break them."""
    def deployment(d):
        return by_kind(d, "Deployment")[0]

    def broker(d):
        return get(deployment(d), "spec", "template", "spec", "containers")[0]

    def cm_config(d, edit):
        cm = [c for c in by_kind(d, "ConfigMap") if "broker.yaml" in c.get("data", {})][0]
        config = yaml.safe_load(cm["data"]["broker.yaml"])
        edit(config)
        cm["data"]["broker.yaml"] = yaml.safe_dump(config)

    edits = {
        "no readiness probe": lambda d: broker(d).pop("readinessProbe"),
        "liveness on /metrics": lambda d: broker(d)["livenessProbe"]["httpGet"].update(path="/metrics"),
        "a Secret with data": lambda d: d.append({"kind": "Secret", "metadata": {
            "name": "x", "namespace": "safeshare"}, "data": {"k": "dg=="}}),
        "no PodDisruptionBudget": lambda d: d.remove(by_kind(d, "PodDisruptionBudget")[0]),
        "one replica": lambda d: deployment(d)["spec"].update(replicas=1),
        "writable root": lambda d: broker(d)["securityContext"].update(readOnlyRootFilesystem=False),
        "egress anywhere": lambda d: by_kind(d, "NetworkPolicy")[0]["spec"]["egress"].append({}),
        "a key outside the mounts": lambda d: cm_config(
            d, lambda c: c.update(person_hash_key="/etc/elsewhere/person-hash.key")),
    }
    for name, edit in edits.items():
        broken = copy.deepcopy(docs)
        edit(broken)
        yield name, broken


# -------------------------------------------------------------------- compose

def check_compose(compose, broker_config):
    problems = []
    services = compose.get("services") or {}
    pg = services.get("postgres") or {}
    if pg.get("image") != "postgres:15-bookworm":
        problems.append("compose: no postgres service on postgres:15-bookworm")
    if "POSTGRES_PASSWORD_FILE" not in (pg.get("environment") or {}) or not pg.get("secrets"):
        problems.append("compose: postgres does not take its password from a secret file")
    if not any(str(v).endswith(":/var/lib/postgresql/data") for v in pg.get("volumes") or []):
        problems.append("compose: postgres has no data volume")
    brokers = {n: s for n, s in services.items() if "--config" in (s.get("command") or [])}
    if len(brokers) != 2:
        problems.append(f"compose: {len(brokers)} broker services, not 2")
    if len({s.get("image") for s in brokers.values()}) != 1:
        problems.append("compose: the brokers do not run the same image")
    host_ports = []
    for name, service in brokers.items():
        ports = {int(p.rsplit(":", 1)[1]): int(p.rsplit(":", 2)[-2]) for p in service.get("ports") or []}
        if set(ports) != {50051, 9464}:
            problems.append(f"compose: {name} does not publish 50051 and 9464")
        host_ports += ports.values()
        if "postgres" not in (service.get("depends_on") or {}):
            problems.append(f"compose: {name} does not depend on postgres")
        mounts = {v.get("target"): v for v in service.get("volumes") or [] if isinstance(v, dict)}
        pki = [v for v in mounts.values() if str(v.get("source")).endswith("certs/out")]
        if not pki or not pki[0].get("read_only"):
            problems.append(f"compose: {name} does not mount certs/out read-only")
        if not str(get(mounts, "/etc/safeshare/broker.yaml", "source")).endswith("broker.yaml"):
            problems.append(f"compose: {name} does not mount broker.yaml")
        roots = list(mounts) + ["/run/secrets/" + (s if isinstance(s, str) else s.get("target", s.get("source")))
                                for s in service.get("secrets") or []]
        problems += check_broker_config(broker_config, f"compose broker.yaml ({name})", "postgres", roots)
    if sorted(host_ports) != [9464, 9465, 50051, 50052]:
        problems.append(f"compose: host ports {sorted(host_ports)}, not 50051/50052 and 9464/9465")
    if not get(compose, "secrets", "db-password", "file"):
        problems.append("compose: the database password is not a secret file")
    return problems


def compose_breakages(compose):
    def drop_broker(c):
        del c["services"]["broker-2"]

    def same_port(c):
        c["services"]["broker-2"]["ports"][0] = "127.0.0.1:50051:50051"

    def pki_writable(c):
        for v in c["services"]["broker-1"]["volumes"]:
            if isinstance(v, dict) and str(v.get("source")).endswith("certs/out"):
                v["read_only"] = False

    for name, edit in {"one broker": drop_broker, "a host port twice": same_port,
                       "the PKI writable": pki_writable}.items():
        broken = copy.deepcopy(compose)
        edit(broken)
        yield name, broken


# ----------------------------------------------------------------- Dockerfile

def stages(dockerfile):
    """{stage name: (base image, [apt-get installed packages], text)}."""
    text = re.sub(r"\\\n", " ", dockerfile)
    out = {}
    for part in re.split(r"(?m)^FROM ", text)[1:]:
        head = part.split("\n", 1)[0].split()
        name = head[2] if len(head) > 2 and head[1].upper() == "AS" else head[0]
        packages = []
        for m in re.finditer(r"apt-get install ([^&\n]*)", part):
            packages += [w for w in m.group(1).split() if not w.startswith("-")]
        out[name] = (head[0], packages, part)
    return out


def install_deps_packages(repo):
    text = open(os.path.join(repo, "tests/install-deps.sh")).read()
    body = text.split("PACKAGES=(", 1)[1].split("\n)", 1)[0]
    return {w for line in body.splitlines() for w in line.split("#")[0].split()}


def check_dockerfile(dockerfile, known_build_packages, runtime_needed):
    problems = []
    found = stages(dockerfile)
    if set(found) != {"build", "runtime"}:
        return [f"Dockerfile: stages {sorted(found)}, not build and runtime"]
    for name, (base, _, _) in found.items():
        if not re.fullmatch(r"debian:12(-slim)?", base):
            problems.append(f"Dockerfile: stage {name} is on {base}, not debian:12")
    _, build_packages, build = found["build"]
    for p in build_packages:
        if p not in known_build_packages and p not in BUILD_ONLY_EXTRA:
            problems.append(f"Dockerfile: build package {p} is not in tests/install-deps.sh")
    if "-DBUILD_TESTING=OFF" not in build or not re.search(r"ninja .*safeshare-broker safeshare\b", build):
        problems.append("Dockerfile: build stage does not build only safeshare-broker and safeshare "
                        "with BUILD_TESTING=OFF")
    _, runtime_packages, runtime = found["runtime"]
    for p in runtime_needed:
        if p not in runtime_packages and p not in IN_BASE_IMAGE:
            problems.append(f"Dockerfile: runtime stage lacks {p}, which the binaries load")
    for p in runtime_packages:
        if p.endswith("-dev"):
            problems.append(f"Dockerfile: runtime stage installs {p}")
    user = re.search(r"(?m)^USER (\d+)", runtime)
    if not user or user.group(1) == "0":
        problems.append("Dockerfile: runtime stage has no numeric non-root USER")
    if not re.search(r"(?m)^EXPOSE 50051 9464$", runtime):
        problems.append("Dockerfile: runtime stage does not EXPOSE 50051 9464")
    return problems


def dockerfile_breakages(dockerfile):
    yield "a runtime library missing", dockerfile.replace(" libspdlog1.10", "")
    yield "tests built", dockerfile.replace("-DBUILD_TESTING=OFF", "-DBUILD_TESTING=ON")
    yield "root user", dockerfile.replace("USER 10001:10001", "USER root")
    yield "another base", dockerfile.replace("FROM debian:12-slim", "FROM ubuntu:24.04")


# ------------------------------------------------------------------ the check

def must_fail(what, check, breakages):
    """Proves check finds something in each broken copy."""
    breakages = list(breakages)
    silent = [name for name, broken in breakages if not check(broken)]
    for name in silent:
        print(f"self-test: the {what} check finds nothing wrong with {name}", file=sys.stderr)
    if not silent:
        print(f"self-test: the {what} check fails on each of {len(breakages)} broken copies "
              f"({', '.join(name for name, _ in breakages)})")
    return not silent


def check(repo, runtime_needed):
    deploy = os.path.join(repo, "deploy")
    problems, parsed = [], {}
    for root, _, files in os.walk(deploy):
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")):
                path = os.path.join(root, f)
                try:
                    parsed[os.path.relpath(path, repo)] = list(yaml.safe_load_all(open(path)))
                except yaml.YAMLError as e:
                    problems.append(f"{path}: does not parse: {e}")
    print(f"YAML: {len(parsed)} files under deploy/ parse")
    k8s = [d for name, docs in sorted(parsed.items()) if name.startswith("deploy/k8s/")
           and not name.endswith("kustomization.yaml") for d in docs]
    compose = parsed["deploy/compose/compose.yaml"][0]
    compose_config = parsed["deploy/compose/broker.yaml"][0]
    systemd_config = parsed["deploy/systemd/broker.yaml"][0]
    dockerfile = open(os.path.join(deploy, "docker/Dockerfile")).read()
    known = install_deps_packages(repo)

    ok = must_fail("k8s", check_k8s, k8s_breakages(k8s))
    ok &= must_fail("compose", lambda c: check_compose(c, compose_config), compose_breakages(compose))
    ok &= must_fail("Dockerfile", lambda d: check_dockerfile(d, known, runtime_needed),
                    dockerfile_breakages(dockerfile))
    ok &= must_fail("broker config", lambda c: check_broker_config(
        c, "x", "sqlite", ["/etc/safeshare", "/var/lib/safeshare"]),
        [("a relative path", {**systemd_config, "agreements": "agreements"})])
    found = {
        "k8s": check_k8s(k8s),
        "compose": check_compose(compose, compose_config),
        "Dockerfile": check_dockerfile(dockerfile, known, runtime_needed),
        "systemd broker.yaml": check_broker_config(systemd_config, "deploy/systemd/broker.yaml",
                                                   "sqlite", ["/etc/safeshare", "/var/lib/safeshare"]),
    }
    for name, found_problems in found.items():
        problems += found_problems
        if not found_problems:
            print(f"{name}: ok")
    for p in problems:
        print(p, file=sys.stderr)
    return 0 if ok and not problems else 1


# ------------------------------------------------------------ system calls

def syscall_groups():
    import subprocess
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
    if len(argv) >= 2 and argv[0] == "check":
        return check(argv[1], argv[2:])
    if len(argv) == 3 and argv[0] == "syscalls":
        return syscalls(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "extract":
        for doc in yaml.safe_load_all(open(argv[1])):
            if argv[2] in (get(doc, "data") or {}):
                sys.stdout.write(doc["data"][argv[2]])
                return 0
        return 1
    if len(argv) in (6, 7) and argv[0] == "runnable-config":
        return runnable_config(*argv[1:6], sqlite="--sqlite" in argv[6:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
