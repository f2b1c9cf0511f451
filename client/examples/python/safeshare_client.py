"""A small safeshare client in Python, built from the .proto files alone.

Stubs are generated at run time from proto/ with Debian's protoc and
grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc) into
a temporary directory; nothing generated is kept. Runs on Debian 12's
python3-grpcio and python3-protobuf.
"""

import atexit
import importlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types

import grpc

# Between calls gRPC Python advances a channel's reconnection only when its
# backup poller runs, every 5 s by default: a broker that is back would be
# missed by retries that fail fast meanwhile. Poll as often as we back off
# (gRPC reads this when the first channel is made).
os.environ.setdefault("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "250")

# Full-jitter exponential backoff on UNAVAILABLE: a random delay up to
# 250 ms, 500 ms, 1 s, ... capped at 10 s, for a bounded number of attempts.
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 10.0
# Failures after which a call is retried (UNAVAILABLE: no broker, or it
# could not take the call; CANCELLED: the broker cancels a call that
# arrives as it shuts down) and, with ABORTED (the subscription was reset),
# after which a stream is reopened.
RETRY = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
REOPEN = RETRY + (grpc.StatusCode.ABORTED,)


def log(message):
    print(message, flush=True)


def load_stubs(proto_dir):
    """Generates the Python modules of proto_dir into a temporary directory
    and imports them: answers a namespace with broker, broker_grpc,
    delivery, payloads and common (safeshare/v1/*_pb2 and broker_pb2_grpc)."""
    out = tempfile.mkdtemp(prefix="safeshare-stubs-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    protos = [os.path.join(root, name)
              for root, _, names in os.walk(proto_dir) for name in names if name.endswith(".proto")]
    subprocess.run(["protoc", "-I", proto_dir, f"--python_out={out}", f"--grpc_out={out}",
                    "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", *protos], check=True)
    sys.path.insert(0, out)
    modules = {"broker": "broker_pb2", "broker_grpc": "broker_pb2_grpc", "delivery": "delivery_pb2",
               "payloads": "payloads_pb2", "common": "common_pb2"}
    return types.SimpleNamespace(**{name: importlib.import_module(f"safeshare.v1.{module}")
                                    for name, module in modules.items()})


def connect(broker, certs_dir, agency, server_name):
    """A mutual-TLS channel as AGENCY: its certificate and key from certs_dir
    (certs/gen-dev-pki.sh), the partnership CA as the only trust root, and
    SERVER_NAME as the name the broker's certificate must carry."""
    def read(name):
        with open(os.path.join(certs_dir, name), "rb") as f:
            return f.read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.crt"), private_key=read(f"{agency}.key"),
        certificate_chain=read(f"{agency}.crt"))
    options = [
        ("grpc.ssl_target_name_override", server_name),
        # Keepalive within the broker's policy: a ping at most every 10 s.
        ("grpc.keepalive_time_ms", 10000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        # The channel's own reconnection backoff, capped like ours.
        ("grpc.max_reconnect_backoff_ms", int(BACKOFF_CAP_S * 1000)),
    ]
    return grpc.secure_channel(broker, credentials, options=options)


def backoff_delay(attempt):
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt))


def with_retry(what, call, attempts):
    """call() retried on RETRY failures with backoff, at most `attempts` times.
    Only for calls that are safe to repeat (Publish with a fixed idempotency
    key, a cumulative Acknowledge, CreateSubscription of the same name and
    filter, listings)."""
    for attempt in range(attempts):
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() not in RETRY or attempt + 1 == attempts:
                raise
            delay = backoff_delay(attempt)
            log(f"{what}: {error.code().name}, retrying in {delay:.2f} s")
            time.sleep(delay)
    raise AssertionError("unreachable")


class Watchdog:
    """Cancels a stream that has been silent for `seconds`: kick() on every
    message; fired tells whether it cancelled."""

    def __init__(self, seconds, call):
        self.seconds, self.call, self.fired, self.timer = seconds, call, False, None
        self.kick()

    def _expire(self):
        self.fired = True
        self.call.cancel()

    def kick(self):
        self.stop()
        self.timer = threading.Timer(self.seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def stop(self):
        if self.timer:
            self.timer.cancel()


class Subscriber:
    """Follows one durable subscription of the agency, stream after stream,
    remembering the last sequence it acknowledged."""

    def __init__(self, broker_pb2, stub, name, heartbeat_s, attempts, deadline_s):
        self.pb, self.stub, self.name = broker_pb2, stub, name
        self.heartbeat_s, self.attempts, self.deadline_s = heartbeat_s, attempts, deadline_s
        self.last_acked = 0

    def acknowledge(self, sequence):
        request = self.pb.AcknowledgeRequest(subscription=self.name, sequence=sequence)
        answer = with_retry("acknowledge", lambda: self.stub.Acknowledge(
            request, timeout=self.deadline_s), self.attempts)
        self.last_acked = answer.acknowledged_through
        log(f"acknowledged through {answer.acknowledged_through} "
            f"(newly {answer.newly_acknowledged})")

    def receive(self, done):
        """Opens a Subscribe stream and acknowledges each message's deliveries
        until done(deliveries, heartbeats) is true, then disconnects; answers
        the deliveries. Reconnects with backoff when the stream fails
        with a REOPEN code or goes silent for 2 x heartbeat + 5 s."""
        deliveries, heartbeats = [], 0
        request = self.pb.SubscribeRequest(subscription=self.name,
                                           heartbeat_seconds=self.heartbeat_s)
        for attempt in range(self.attempts):
            call = self.stub.Subscribe(request)
            watchdog = Watchdog(2 * self.heartbeat_s + 5, call)
            try:
                for message in call:
                    watchdog.kick()
                    if message.HasField("heartbeat"):
                        heartbeats += 1
                        log("heartbeat" + (" (standby: another stream is active)"
                                           if message.heartbeat.standby else ""))
                    for delivery in message.deliveries:
                        if delivery.sequence <= self.last_acked:
                            raise RuntimeError(f"sequence {delivery.sequence} delivered again "
                                               f"after its acknowledgement")
                        deliveries.append(delivery)
                        log(f"received sequence {delivery.sequence}: "
                            f"{delivery.notification.WhichOneof('payload')} on "
                            f"{delivery.notification.case_ref} under {delivery.agreement} "
                            f"rule {delivery.rule}")
                    if message.deliveries:
                        self.acknowledge(message.deliveries[-1].sequence)
                    if done(deliveries, heartbeats):
                        call.cancel()
                        log(f"disconnected; last acknowledged sequence {self.last_acked}")
                        return deliveries
                why = "the stream ended"
            except grpc.RpcError as error:
                if watchdog.fired:
                    why = f"nothing for {2 * self.heartbeat_s + 5} s"
                elif error.code() in REOPEN:
                    why = error.code().name
                else:
                    raise
            finally:
                watchdog.stop()
            delay = backoff_delay(attempt)
            log(f"subscribe: {why}; reconnecting in {delay:.2f} s, "
                f"resuming after sequence {self.last_acked}")
            time.sleep(delay)
        raise RuntimeError(f"subscribe: gave up after {self.attempts} attempts")
