#!/usr/bin/python3
"""safeshare round trip in Python: police publish an investigation update;
children's social care subscribe, receive, acknowledge, disconnect, and
resume on the same subscription, receiving what was published while they
were away and nothing they had acknowledged; and read the delivery state
both ways: the recipient's subscription (position, backlog) and the
publisher's view of each notification (each recipient's stage). Exits 0
and prints "round trip complete" when every step held; any failure ends it
non-zero with the reason.

    /usr/bin/python3 client/examples/python/roundtrip.py --broker 127.0.0.1:50051
"""

import argparse
import os
import secrets
import sys
import time

import grpc

from safeshare_client import Subscriber, connect, load_stubs, log, with_retry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", default="127.0.0.1:50051", help="HOST:PORT of the broker")
    p.add_argument("--server-name", default="localhost",
                   help="the name the broker's certificate must carry (a SAN of broker.crt)")
    p.add_argument("--certs", default=os.path.join(REPO, "certs", "out"),
                   help="directory of ca.crt and the agencies' .crt/.key (certs/gen-dev-pki.sh)")
    p.add_argument("--proto", default=os.path.join(REPO, "proto"), help="the contract's .proto root")
    p.add_argument("--publisher", default="police")
    p.add_argument("--recipient", default="cfs")
    p.add_argument("--heartbeat", type=int, default=5, help="seconds (the broker allows 5-300)")
    p.add_argument("--attempts", type=int, default=8, help="tries per call on UNAVAILABLE")
    p.add_argument("--deadline", type=float, default=10.0, help="seconds per unary call")
    return p.parse_args()


def investigation_update(v1, case_ref, key, crime_reference):
    """A valid InvestigationOutcome (still under investigation, so no closing
    rationale is needed). Fictional content only."""
    now = int(time.time())
    n = v1.broker.Notification(
        idempotency_key=key, case_ref=case_ref,
        children_considered=[v1.common.Child(child_ref="C1", display_name="Example Child")],
        purpose=v1.common.PURPOSE_CRIMINAL_INVESTIGATION,
        lawful_basis=v1.common.LAWFUL_BASIS_PUBLIC_TASK_SAFEGUARDING,
        classification=v1.common.CLASSIFICATION_OFFICIAL_SENSITIVE,
        investigation_outcome=v1.payloads.InvestigationOutcome(
            crime_reference=crime_reference,
            status=v1.payloads.INVESTIGATION_STATUS_UNDER_INVESTIGATION))
    n.created_at.FromSeconds(now)
    n.investigation_outcome.decided_at.FromSeconds(now)
    return n


def check(condition, failure):
    if not condition:
        raise RuntimeError(failure)


def subscription_state(v1, recipient, name, args, when):
    """The recipient's view: its subscription's position and backlog
    (ListSubscriptions)."""
    listing = with_retry("list subscriptions", lambda: recipient.ListSubscriptions(
        v1.broker.ListSubscriptionsRequest(subscription=name), timeout=args.deadline), args.attempts)
    info = listing.subscriptions[0]
    log(f"subscription state {when}: acknowledged_through={info.acknowledged_through} "
        f"delivered_through={info.delivered_through} backlog={info.backlog} "
        f"latest_sequence={info.latest_sequence}")
    return info


def delivery_state(v1, publisher, answer, args):
    """The publisher's view of one of its notifications: each recipient's
    stage, read from the audit log (GetDeliveryState). Answers {agency:
    (stage, acknowledging subscription)}."""
    state = with_retry("delivery state", lambda: publisher.GetDeliveryState(
        v1.delivery.DeliveryStateRequest(notification_id=answer.notification_id),
        timeout=args.deadline), args.attempts)
    stages = {}
    for r in state.recipients:
        stage = v1.delivery.DeliveryStage.Name(r.stage).removeprefix("DELIVERY_STAGE_")
        by = f" acknowledged_by={r.acknowledged_by}" if r.acknowledged_by else ""
        log(f"publisher's view of sequence {state.sequence}: {r.agency} {stage} "
            f"deliveries={r.deliveries}{by}")
        stages[r.agency] = (stage, r.acknowledged_by)
    return stages


def main():
    args = parse_args()
    v1 = load_stubs(args.proto)
    run = secrets.token_hex(4)  # keeps this run's case, keys and subscription apart
    case_ref, name = f"EXAMPLE-PY-{run}", f"example-python-{run}"

    publisher = v1.broker_grpc.BrokerStub(connect(args.broker, args.certs, args.publisher, args.server_name))
    recipient = v1.broker_grpc.BrokerStub(connect(args.broker, args.certs, args.recipient, args.server_name))

    def publish(notification):
        # A retry after UNAVAILABLE keeps the key: the broker stores it once.
        answer = with_retry("publish", lambda: publisher.Publish(
            v1.broker.PublishRequest(notification=notification), timeout=args.deadline), args.attempts)
        log(f"published sequence {answer.sequence} id {answer.notification_id} "
            f"duplicate={answer.duplicate} routed_to={','.join(answer.routed_to)}")
        check(args.recipient in answer.routed_to, f"{args.recipient} is not a recipient")
        return answer

    def update(number):
        return investigation_update(v1, case_ref, f"example-py-{run}-{number}", f"CRIME-EXAMPLE-{number}")

    # The recipient's subscription: this run's case only, from now on.
    created = with_retry("create subscription", lambda: recipient.CreateSubscription(
        v1.broker.CreateSubscriptionRequest(
            subscription=name, start=v1.broker.START_FROM_NOW,
            filter=v1.broker.SubscriptionFilter(case_refs=[case_ref])),
        timeout=args.deadline), args.attempts)
    log(f"subscription {name} created at sequence {created.acknowledged_through}")

    first = update(1)
    first_answer = publish(first)
    again = publish(first)  # the same key and content: stored once
    check(again.duplicate and again.sequence == first_answer.sequence, "the retry was stored twice")

    subscriber = Subscriber(v1.broker, recipient, name, args.heartbeat, args.attempts, args.deadline)
    got = subscriber.receive(lambda deliveries, heartbeats: deliveries and heartbeats)
    check([d.sequence for d in got] == [first_answer.sequence], "stream 1 did not deliver exactly the first")

    second_answer = publish(update(2))  # while the recipient is disconnected
    info = subscription_state(v1, recipient, name, args, "while disconnected")
    check(info.backlog == 1, "the backlog while disconnected is not 1")
    check(delivery_state(v1, publisher, first_answer, args).get(args.recipient) == ("ACKNOWLEDGED", name),
          "the publisher does not see the first notification acknowledged by the subscription")
    # ROUTED, or DELIVERED when the closing stream was handed it as it was
    # published (unacknowledged, it comes again on the next stream).
    check(delivery_state(v1, publisher, second_answer, args).get(args.recipient, ("",))[0]
          in ("ROUTED", "DELIVERED"),
          "the publisher does not see the second notification unacknowledged (routed or delivered)")

    got = subscriber.receive(lambda deliveries, heartbeats: deliveries)
    check(got[0].notification.notification_id == second_answer.notification_id,
          "stream 2 did not start with the second notification")
    log(f"resumed after sequence {first_answer.sequence}: received sequence {got[0].sequence}, "
        f"and sequence {first_answer.sequence} was not delivered again")

    info = subscription_state(v1, recipient, name, args, "after resuming")
    check(info.backlog == 0 and info.acknowledged_through == second_answer.sequence,
          "the subscription is not acknowledged through the second notification")
    check(delivery_state(v1, publisher, second_answer, args).get(args.recipient) == ("ACKNOWLEDGED", name),
          "the publisher does not see the second notification acknowledged")

    recipient.DeleteSubscription(v1.broker.DeleteSubscriptionRequest(subscription=name),
                                 timeout=args.deadline)
    log(f"subscription {name} deleted")
    log("round trip complete")


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as error:
        sys.exit(f"roundtrip: {error.code().name}: {error.details()}")
    except RuntimeError as error:
        sys.exit(f"roundtrip: {error}")
