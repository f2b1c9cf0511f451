#!/usr/bin/env python3
"""clang-tidy over the project's own sources, failing on any warning.

Checks every translation unit under broker/, client/ and tests/ in
build/compile_commands.json (not the generated protobuf code under build/)
with the checked-in .clang-tidy plus clang's -Wthread-safety, which checks
the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations on
absl::Mutex, and -Wreserved-identifier (in place of the check
bugprone-reserved-identifier, see .clang-tidy). Two files at a time (the machine has two cores).

A full run takes minutes, so a file that passed is not checked again until
something it is checked against changes: the key of a pass is the hash of
its preprocessed source (so every header it includes, ours or the system's),
its compile command, .clang-tidy, this script and clang-tidy's version.
Passes are remembered in build/clang-tidy-passed/; delete it to check all.

Usage: tests/clang_tidy.py [REGEX]   only the files whose path matches REGEX
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
PASSED = os.path.join(BUILD, "clang-tidy-passed")
TIDY = "clang-tidy-14"
# GCC-only flags in the database (e.g. -Wno-tsan) are not clang's business;
# the build's -Werror would turn clang's warnings into errors no filter hides.
EXTRA = ["--extra-arg=-Wno-unknown-warning-option", "--extra-arg=-Wno-error",
         "--extra-arg=-Wthread-safety", "--extra-arg=-Wreserved-identifier",
         "--warnings-as-errors=*"]


def ours(entry, pattern):
    path = os.path.relpath(entry["file"], ROOT)
    return re.match(r"(broker|client|tests)/", path) and re.search(pattern, path)


def preprocessed(entry):
    """The compiler's preprocessed output of the file: everything it sees."""
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg != "-c":
            out.append(arg)
    if os.path.basename(out[0]) == "ccache":
        out = out[1:]
    return subprocess.run(out + ["-E", "-P"], cwd=entry["directory"], check=True,
                          capture_output=True).stdout


def key(entry, common):
    h = hashlib.sha256(common)
    h.update(json.dumps(entry, sort_keys=True).encode())
    h.update(preprocessed(entry))
    return h.hexdigest()


def check(entry, common):
    stamp = os.path.join(PASSED, key(entry, common))
    if os.path.exists(stamp):
        return True, ""
    run = subprocess.run([TIDY, "-p", BUILD, "--quiet", *EXTRA, entry["file"]],
                         capture_output=True, text=True)
    if run.returncode == 0:
        open(stamp, "w").close()
        return True, ""
    return False, run.stdout + run.stderr


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "."
    with open(os.path.join(BUILD, "compile_commands.json")) as f:
        entries = [e for e in json.load(f) if ours(e, pattern)]
    if not entries:
        sys.exit(f"tests/clang_tidy.py: no source file matches '{pattern}'")
    common = subprocess.run([TIDY, "--version"], capture_output=True, check=True).stdout
    for name in (".clang-tidy", "tests/clang_tidy.py"):
        with open(os.path.join(ROOT, name), "rb") as f:
            common += f.read()
    common += " ".join(EXTRA).encode()
    os.makedirs(PASSED, exist_ok=True)
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda e: check(e, common), entries))
    failed = [output for ok, output in results if not ok]
    for output in failed:
        print(output.replace(ROOT + "/", ""), file=sys.stderr)
    seconds = time.monotonic() - start
    if failed:
        sys.exit(f"clang-tidy: {len(failed)} of {len(entries)} files have warnings "
                 f"({seconds:.0f} s)")
    print(f"clang-tidy: {len(entries)} files clean ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
