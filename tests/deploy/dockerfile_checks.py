"""What deploy/docker/Dockerfile must hold (check_manifests.py)."""
import os
import re

# Build-stage packages tests/install-deps.sh does not list yet, and why.
BUILD_ONLY_EXTRA = {"libpq-dev": "the PostgreSQL store's client library"}
# In every Debian image (what its essential packages depend on).
IN_BASE_IMAGE = {"libc6", "libgcc-s1"}


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
