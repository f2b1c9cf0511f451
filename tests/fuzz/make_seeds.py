#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus from the project's examples.

Run from anywhere with Debian's python3 and python3-protobuf; it runs protoc
on proto/ into a temporary directory. The output is checked in: rerun it
when the examples or the contract change, and commit what changes.
"""
import hashlib
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
EXAMPLES = sorted((ROOT / "config" / "examples").glob("*.json"))
AGREEMENTS = sorted((ROOT / "config" / "agreements").glob("*.yaml"))
FILE_BREAK = "\n#file\n"  # agreements_fuzz.cc: one input, several files


def write(target, name, data):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def notifications(broker_pb2, json_format):
    """The four example notifications as binary protobuf: as a publisher sends
    them (validation), and as the broker routes them, stamped (redaction)."""
    for example in EXAMPLES:
        n = json_format.Parse(example.read_text(), broker_pb2.Notification())
        write("notification_validate", example.stem + ".pb", n.SerializeToString())
        n.notification_id = "0190f1e2-1234-7abc-8def-" + hashlib.sha256(
            example.name.encode()).hexdigest()[:12]
        n.publisher = "police"
        write("notification_redact", example.stem + ".pb", n.SerializeToString())


# --- audit entries: the canonical encoding of broker/audit/README.md -------

def s(text):
    data = text.encode()
    return struct.pack(">I", len(data)) + data


def h(text):
    return hashlib.sha256(text.encode()).hexdigest()


def encode_lines(entry):
    out = struct.pack(">I", len(entry["lines"]))
    for line in entry["lines"]:
        out += b"".join(s(line[k]) for k in ("outcome", "agency", "notification_id", "case_ref"))
        out += struct.pack(">q", line["sequence"])
        out += b"".join(s(line[k]) for k in ("agreement", "rule", "purpose", "lawful_basis",
                                             "content_hash", "detail"))
    out += struct.pack(">I", len(entry["person_hashes"]))
    return out + b"".join(s(p) for p in entry["person_hashes"])


STRINGS = ("actor", "action", "notification_id", "case_ref", "recipient", "subscription", "rule",
           "lawful_basis", "purpose", "detail", "content_hash")


def encode(entry):
    out = bytes([2]) + struct.pack(">qqq", entry["index"], entry["at"], 0)
    return out + b"".join(s(entry[k]) for k in STRINGS) + encode_lines(entry)


def sample_log():
    n = "0190f1e2-1234-7abc-8def-000000000001"
    base = {k: "" for k in STRINGS}
    line = {"outcome": "routed", "agency": "cfs", "notification_id": n, "case_ref": "CASE-1",
            "sequence": 1, "agreement": "ISA-SM-01 v2", "rule": "sm-cfs",
            "purpose": "PURPOSE_STRATEGY_DISCUSSION", "lawful_basis": "public_task",
            "content_hash": h("view cfs"), "detail": "withheld: strategy_minutes.decisions"}
    withheld = dict(line, outcome="withheld", agency="education", agreement="", rule="",
                    purpose="", lawful_basis="", content_hash="",
                    detail="no agreement shares strategy_minutes with education")
    return [
        dict(base, index=1, at=1_764_000_000_000_000, actor="police", action="published",
             notification_id=n, case_ref="CASE-1", detail="sequence 1",
             content_hash=h("body"), lines=[line, withheld], person_hashes=[h("person 1")]),
        dict(base, index=2, at=1_764_000_000_100_000, actor="cfs", action="delivered",
             recipient="cfs", subscription="cfs-main",
             lines=[dict(line, outcome="delivered", detail="")], person_hashes=[]),
        dict(base, index=3, at=1_764_000_000_200_000, actor="cfs", action="acknowledged",
             recipient="cfs", subscription="cfs-main",
             lines=[dict(line, outcome="acknowledged", detail="")], person_hashes=[]),
        dict(base, index=4, at=1_764_000_000_300_000, actor="ig", action="audit_read",
             detail="query actions=[published]", lines=[], person_hashes=[]),
    ]


def json_line(entry, prev, json_format, audit_pb2):
    message = audit_pb2.AuditEntry(index=entry["index"], version=2)
    message.at.FromMicroseconds(entry["at"])
    for k in STRINGS:
        setattr(message, k, entry[k])
    for line in entry["lines"]:
        message.lines.add(**line)
    message.person_hashes.extend(entry["person_hashes"])
    enc = encode(entry)
    message.prev_hash = prev
    message.entry_hash = hashlib.sha256(bytes.fromhex(prev) + enc).hexdigest()
    message.leaf_hash = hashlib.sha256(b"\x00" + enc).hexdigest()
    text = json_format.MessageToJson(message, indent=None, preserving_proto_field_name=True)
    return text, message.entry_hash


def audit(json_format, audit_pb2):
    log = sample_log()
    prev = "0" * 64
    lines = []
    for entry in log:
        text, prev = json_line(entry, prev, json_format, audit_pb2)
        lines.append(text)
    write("audit_verify", "export.jsonl", "\n".join(lines) + "\n")
    # Entries 2 and 3 swapped, re-linked by the target: the out-of-order check.
    swapped = [lines[0], lines[2], lines[1], lines[3]]
    write("audit_verify", "relink-out-of-order.jsonl", "#relink\n" + "\n".join(swapped) + "\n")
    write("audit_verify", "relink-gap.jsonl", "#relink\n" + "\n".join(lines[:1] + lines[2:]) + "\n")
    for entry in log:
        write("audit_lines", "entry-%d.bin" % entry["index"], encode_lines(entry))


def main():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["protoc", "-I", ROOT / "proto", "--python_out", out] +
                       sorted((ROOT / "proto" / "safeshare" / "v1").glob("*.proto")), check=True)
        sys.path.insert(0, out)
        from google.protobuf import json_format
        from safeshare.v1 import audit_pb2, broker_pb2
        notifications(broker_pb2, json_format)
        audit(json_format, audit_pb2)
    for example in EXAMPLES:
        write("notification_json", example.name, example.read_bytes())
    write("notification_json", "syntax-error.json", '{\n  "case_ref": "CASE-1",\n  "purpose" \n}\n')
    shutil.copy(ROOT / "config" / "broker.yaml", CORPUS / "broker_config" / "broker.yaml")
    for agreement in AGREEMENTS:
        write("agreements", agreement.name, agreement.read_bytes())
    write("agreements", "all.yaml", FILE_BREAK.join(a.read_text() for a in AGREEMENTS))


if __name__ == "__main__":
    main()
