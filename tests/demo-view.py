#!/usr/bin/env python3
"""Shows the demo's JSON lines as a person reads them: who decided what, never content.

  demo-view.py outcomes    one PublishResponse per line -> each agency's decision
  demo-view.py deliveries  one Delivery per line -> sequence, case, rule, and
                           whether the fields agreements withhold are present
"""
import json
import sys


def outcomes(line):
    response = json.loads(line)
    print(f"  notification {response['notification_id'][:13]} sequence {response['sequence']}")
    for o in response.get("outcomes", []):
        if o.get("allowed"):
            how = "URGENT DISCLOSURE" if o.get("urgent_disclosure") else o["rule"]
            withheld = ", ".join(o.get("withheld_fields", [])) or "nothing"
            print(f"    {o['agency']:<10} receives  ({how}; withheld: {withheld})")
        else:
            reason = o["reason"].removeprefix("denied: ")
            print(f"    {o['agency']:<10} denied    ({reason})")


def has(value, key):
    """True when `key` occurs anywhere in the JSON value."""
    if isinstance(value, dict):
        return key in value or any(has(v, key) for v in value.values())
    if isinstance(value, list):
        return any(has(v, key) for v in value)
    return False


def deliveries(line):
    d = json.loads(line)
    n = d["notification"]
    how = "URGENT DISCLOSURE" if d.get("urgent_disclosure") else f"{d['rule']} of {d['agreement']}"
    linked = f"; linked cases {', '.join(d['linked_cases'])}" if d.get("linked_cases") else ""
    payload = next(k for k in n if k in PAYLOADS)
    if payload == "escalation":
        e = n[payload]
        level = "level 2, the safeguarding lead" if e["level"].endswith("SAFEGUARDING_LEAD") \
            else "level 1"
        if e.get("kind", "").endswith("EXPECTATION_UNMET"):
            what = (f"{e['expected_type']} from {e['expected_from']} expected after "
                    f"{e['notification_type']} {e['notification_id'][:13]}")
        else:
            what = (f"{e['notification_type']} {e['notification_id'][:13]} not acknowledged by "
                    f"{e['recipient']}")
        print(f"  sequence {d['sequence']:>2} {n['case_ref']} escalation ({level}): {what}; "
              f"{e['agreement']} {e['deadline_rule']}: {e['deadline']}")
        return
    seen = f"person identifiers {'present' if has(n, 'identifiers') else 'ABSENT'}"
    if payload == "strategy_minutes":
        seen += f", decisions' rationale {'present' if has(n[payload], 'rationale') else 'ABSENT'}"
    print(f"  sequence {d['sequence']:>2} {n['case_ref']} {payload:<22} {how}{linked}; {seen}")


PAYLOADS = ("strategy_minutes", "abe_interview_record", "investigation_outcome",
            "probation_risk_update", "escalation")

if __name__ == "__main__":
    show = {"outcomes": outcomes, "deliveries": deliveries}[sys.argv[1]]
    for text in sys.stdin:
        if text.strip():
            show(text)
