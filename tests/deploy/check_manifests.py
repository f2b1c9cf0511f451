#!/usr/bin/env python3
"""Static checks of deploy/ for tests/deploy/check_deploy.sh (python3-yaml).

  check_manifests.py check REPO [RUNTIME_PACKAGE...]
      every YAML file under deploy/ parses; the Kubernetes manifests, the
      compose file, the example broker configs and the Dockerfile have what
      deploy/*/README.md promises (RUNTIME_PACKAGE: the Debian packages the
      built binaries load, which the image's runtime stage must install).
      Each check first proves it can fail: it must find a problem in a copy
      of the file with one thing broken, or the run fails.
  check_manifests.py extract CONFIGMAP_FILE KEY
      prints the ConfigMap's data KEY (e.g. sync-keys.sh).
Exit 0 when everything holds; otherwise each problem on stderr, exit 1.
"""
import os
import sys

import yaml

from deploy_yaml import (check_broker_config, check_compose, check_k8s, compose_breakages, get,
                         k8s_breakages)
from dockerfile_checks import check_dockerfile, dockerfile_breakages, install_deps_packages


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

def main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        return check(argv[1], argv[2:])
    if len(argv) == 3 and argv[0] == "extract":
        for doc in yaml.safe_load_all(open(argv[1])):
            if argv[2] in (get(doc, "data") or {}):
                sys.stdout.write(doc["data"][argv[2]])
                return 0
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
