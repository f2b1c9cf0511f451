#!/usr/bin/env python3
"""Gives the audit rows that prefill-store.sh bulk-inserted (entry_hash
'prefill') real hashes, linked from the last real entry, so the grown store
verifies and passes the broker's start-up check. Implements the canonical
entry encoding of broker/audit/README.md independently of the broker's code.

Usage: rechain-audit.py STORE.db
"""
import hashlib
import sqlite3
import struct
import sys

ENCODING_VERSION = 1
STRINGS = ("actor", "action", "notification_id", "case_ref", "recipient", "subscription", "rule",
           "lawful_basis", "purpose", "detail", "content_hash")


def encode(row):
    out = bytearray([ENCODING_VERSION])
    out += struct.pack(">qqq", row["id"], row["at"], row["clock_stepped_back_from"])
    for name in STRINGS:
        value = row[name].encode() if isinstance(row[name], str) else bytes(row[name])
        out += struct.pack(">I", len(value)) + value
    return bytes(out)


def main(path):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    first = db.execute("SELECT min(id) FROM audit WHERE entry_hash='prefill'").fetchone()[0]
    if first is None:
        print("rechain-audit.py: nothing to rechain")
        return
    before = db.execute("SELECT entry_hash FROM audit WHERE id=?", (first - 1,)).fetchone()
    head = before[0] if before else "0" * 64
    columns = "id, at, clock_stepped_back_from, " + ", ".join(STRINGS)
    rows = db.execute(f"SELECT {columns} FROM audit WHERE id >= ? ORDER BY id", (first,))
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA synchronous=OFF")
    batch, done = [], 0
    for row in rows:
        entry = hashlib.sha256(bytes.fromhex(head) + encode(row)).hexdigest()
        batch.append((head, entry, row["id"]))
        head = entry
        if len(batch) == 100_000:
            writer.executemany("UPDATE audit SET prev_hash=?, entry_hash=? WHERE id=?", batch)
            writer.commit()
            done += len(batch)
            batch.clear()
            print(f"rechain-audit.py: {done} entries rechained", flush=True)
    writer.executemany("UPDATE audit SET prev_hash=?, entry_hash=? WHERE id=?", batch)
    writer.commit()
    print(f"rechain-audit.py: done, head {head}")


if __name__ == "__main__":
    main(sys.argv[1])
