// A small safeshare client in Node, built from the .proto files alone:
// @grpc/proto-loader reads proto/ at run time (nothing is generated), and
// @grpc/grpc-js talks to the broker over mutual TLS.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// Full-jitter exponential backoff on UNAVAILABLE: a random delay up to
// 250 ms, 500 ms, 1 s, ... capped at 10 s, for a bounded number of attempts.
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10000;
// Failures after which a call is retried (UNAVAILABLE: no broker, or it
// could not take the call; CANCELLED: the broker cancels a call that arrives
// as it shuts down) and, with ABORTED (the subscription was reset), after
// which a stream is reopened.
const RETRY = [grpc.status.UNAVAILABLE, grpc.status.CANCELLED];
const REOPEN = [...RETRY, grpc.status.ABORTED];
const codeName = (code) => Object.keys(grpc.status).find((name) => grpc.status[name] === code);

const log = (message) => console.log(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The safeshare.v1 package of protoDir. uint64 fields (sequences) arrive as
// decimal strings, enums as their names, a oneof's choice under its name.
function loadContract(protoDir) {
  const definition = protoLoader.loadSync('safeshare/v1/broker.proto', {
    includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).safeshare.v1;
}

// A Broker client as `agency`: its certificate and key from certsDir
// (certs/gen-dev-pki.sh), the partnership CA as the only trust root, and
// serverName as the name the broker's certificate must carry.
function connect(v1, broker, certsDir, agency, serverName) {
  const read = (name) => fs.readFileSync(path.join(certsDir, name));
  const credentials = grpc.credentials.createSsl(
    read('ca.crt'), read(`${agency}.key`), read(`${agency}.crt`));
  return new v1.Broker(broker, credentials, {
    'grpc.ssl_target_name_override': serverName,
    'grpc.default_authority': serverName,
    // Keepalive within the broker's policy: a ping at most every 10 s.
    'grpc.keepalive_time_ms': 10000,
    'grpc.keepalive_permit_without_calls': 1,
    // The channel's own reconnection backoff, capped like ours.
    'grpc.max_reconnect_backoff_ms': BACKOFF_CAP_MS,
  });
}

// One unary call as a promise, with a deadline.
function unary(stub, method, request, deadlineS) {
  return new Promise((resolve, reject) => {
    stub[method](request, { deadline: Date.now() + deadlineS * 1000 },
      (error, answer) => (error ? reject(error) : resolve(answer)));
  });
}

const backoffDelay = (attempt) => Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);

// call() retried on RETRY failures with backoff, at most `attempts` times. Only
// for calls that are safe to repeat (Publish with a fixed idempotency key, a
// cumulative Acknowledge, CreateSubscription of the same name and filter,
// listings).
async function withRetry(what, call, attempts) {
  for (let attempt = 0; ; ++attempt) {
    try {
      return await call();
    } catch (error) {
      if (!RETRY.includes(error.code) || attempt + 1 >= attempts) throw error;
      const delay = backoffDelay(attempt);
      log(`${what}: ${codeName(error.code)}, retrying in ${(delay / 1000).toFixed(2)} s`);
      await sleep(delay);
    }
  }
}

// Follows one durable subscription of the agency, stream after stream,
// remembering the last sequence it acknowledged.
class Subscriber {
  constructor(stub, name, { heartbeat, attempts, deadline }) {
    Object.assign(this, { stub, name, heartbeat, attempts, deadline });
    this.lastAcked = 0n;
  }

  async acknowledge(sequence) {
    const answer = await withRetry('acknowledge', () => unary(this.stub, 'Acknowledge',
      { subscription: this.name, sequence }, this.deadline), this.attempts);
    this.lastAcked = BigInt(answer.acknowledged_through);
    log(`acknowledged through ${answer.acknowledged_through} (newly ${answer.newly_acknowledged})`);
  }

  // Opens a Subscribe stream and acknowledges each message's deliveries until
  // done(deliveries, heartbeats) is true, then disconnects; answers the
  // deliveries. Reconnects with backoff when the stream fails with a REOPEN
  // code or goes silent for 2 x heartbeat + 5 s.
  async receive(done) {
    const received = { deliveries: [], heartbeats: 0 };
    for (let attempt = 0; attempt < this.attempts; ++attempt) {
      const why = await this.stream(done, received);
      if (why === null) {
        log(`disconnected; last acknowledged sequence ${this.lastAcked}`);
        return received.deliveries;
      }
      const delay = backoffDelay(attempt);
      log(`subscribe: ${why}; reconnecting in ${(delay / 1000).toFixed(2)} s, ` +
          `resuming after sequence ${this.lastAcked}`);
      await sleep(delay);
    }
    throw new Error(`subscribe: gave up after ${this.attempts} attempts`);
  }

  // One stream: resolves null once done, or why it should be reopened;
  // rejects on any other failure.
  stream(done, received) {
    const silentMs = (2 * this.heartbeat + 5) * 1000;
    return new Promise((resolve, reject) => {
      const call = this.stub.Subscribe({ subscription: this.name, heartbeat_seconds: this.heartbeat });
      let timer = null;
      let settled = false;
      let silent = false;
      const settle = (finish, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.cancel();
        finish(value);
      };
      const kick = () => {
        clearTimeout(timer);
        timer = setTimeout(() => { silent = true; call.cancel(); }, silentMs);
      };
      kick();
      call.on('data', async (message) => {
        kick();
        call.pause();  // no further message until this one is acknowledged
        try {
          await this.handle(message, received);
          if (done(received.deliveries, received.heartbeats)) settle(resolve, null);
          else call.resume();
        } catch (error) {
          settle(reject, error);
        }
      });
      call.on('error', (error) => {
        if (silent) settle(resolve, `nothing for ${silentMs / 1000} s`);
        else if (REOPEN.includes(error.code)) settle(resolve, codeName(error.code));
        else settle(reject, error);
      });
      call.on('end', () => settle(resolve, 'the stream ended'));
    });
  }

  async handle(message, received) {
    if (message.heartbeat) {
      received.heartbeats += 1;
      log(`heartbeat${message.heartbeat.standby ? ' (standby: another stream is active)' : ''}`);
    }
    for (const delivery of message.deliveries) {
      if (BigInt(delivery.sequence) <= this.lastAcked) {
        throw new Error(`sequence ${delivery.sequence} delivered again after its acknowledgement`);
      }
      received.deliveries.push(delivery);
      const n = delivery.notification;
      log(`received sequence ${delivery.sequence}: ${n.payload} on ${n.case_ref} ` +
          `under ${delivery.agreement} rule ${delivery.rule}`);
    }
    if (message.deliveries.length > 0) {
      await this.acknowledge(message.deliveries[message.deliveries.length - 1].sequence);
    }
  }
}

module.exports = { Subscriber, connect, loadContract, log, unary, withRetry };
