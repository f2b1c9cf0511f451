"""What deploy/'s YAML must hold: the example broker configs, the Kubernetes
manifests and the compose file, each check returning a list of problems,
and broken copies that each check must find something wrong with.
Used by check_manifests.py."""
import copy

import yaml

K8S_KINDS = {"Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget",
             "NetworkPolicy"}
# What the broker config names, by role (config/broker.yaml).
PATH_KEYS = [("tls", "certificate"), ("tls", "private_key"), ("tls", "client_ca"),
             ("tls", "crl_directory"), ("store", "path"), ("store", "password_file"),
             ("store", "state_directory"), ("agreements",), ("person_hash_key",),
             ("data_keys", "directory"), ("audit", "signing_key")]


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
