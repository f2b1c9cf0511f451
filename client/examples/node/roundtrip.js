#!/usr/bin/env node
// safeshare round trip in Node: police publish an investigation update;
// children's social care subscribe, receive, acknowledge, disconnect, and
// resume on the same subscription, receiving what was published while they
// were away and nothing they had acknowledged; and read the delivery state
// both ways: the recipient's subscription (position, backlog) and the
// publisher's view of each notification (each recipient's stage). Exits 0
// and prints "round trip complete" when every step held; any failure ends it
// non-zero with the reason.
//
//     node client/examples/node/roundtrip.js --broker 127.0.0.1:50051
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Subscriber, connect, loadContract, log, unary, withRetry } = require('./safeshare_client');

const REPO = path.resolve(__dirname, '..', '..', '..');

function options() {
  const { values } = parseArgs({
    options: {
      broker: { type: 'string', default: '127.0.0.1:50051' },  // HOST:PORT of the broker
      'server-name': { type: 'string', default: 'localhost' },  // a SAN of broker.crt
      certs: { type: 'string', default: path.join(REPO, 'certs', 'out') },  // certs/gen-dev-pki.sh
      proto: { type: 'string', default: path.join(REPO, 'proto') },
      publisher: { type: 'string', default: 'police' },
      recipient: { type: 'string', default: 'cfs' },
      heartbeat: { type: 'string', default: '5' },  // seconds (the broker allows 5-300)
      attempts: { type: 'string', default: '8' },  // tries per call on UNAVAILABLE
      deadline: { type: 'string', default: '10' },  // seconds per unary call
    },
  });
  return {
    ...values,
    heartbeat: Number(values.heartbeat), attempts: Number(values.attempts), deadline: Number(values.deadline),
  };
}

// A valid InvestigationOutcome (still under investigation, so no closing
// rationale is needed). Fictional content only.
function investigationUpdate(caseRef, key, crimeReference) {
  const now = { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 };
  return {
    idempotency_key: key,
    case_ref: caseRef,
    children_considered: [{ child_ref: 'C1', display_name: 'Example Child' }],
    purpose: 'PURPOSE_CRIMINAL_INVESTIGATION',
    lawful_basis: 'LAWFUL_BASIS_PUBLIC_TASK_SAFEGUARDING',
    classification: 'CLASSIFICATION_OFFICIAL_SENSITIVE',
    created_at: now,
    investigation_outcome: {
      crime_reference: crimeReference,
      status: 'INVESTIGATION_STATUS_UNDER_INVESTIGATION',
      decided_at: now,
    },
  };
}

function check(condition, failure) {
  if (!condition) throw new Error(failure);
}

async function main() {
  const args = options();
  const v1 = loadContract(args.proto);
  const run = crypto.randomBytes(4).toString('hex');  // keeps this run's case, keys and subscription apart
  const caseRef = `EXAMPLE-NODE-${run}`;
  const name = `example-node-${run}`;
  const publisher = connect(v1, args.broker, args.certs, args.publisher, args['server-name']);
  const recipient = connect(v1, args.broker, args.certs, args.recipient, args['server-name']);
  const call = (stub, method, request) => withRetry(method, () => unary(stub, method, request, args.deadline),
    args.attempts);

  // The recipient's view: its subscription's position and backlog
  // (ListSubscriptions).
  const subscriptionState = async (when) => {
    const [info] = (await call(recipient, 'ListSubscriptions', { subscription: name })).subscriptions;
    log(`subscription state ${when}: acknowledged_through=${info.acknowledged_through} ` +
        `delivered_through=${info.delivered_through} backlog=${info.backlog} ` +
        `latest_sequence=${info.latest_sequence}`);
    return info;
  };

  // The publisher's view of one of its notifications: each recipient's stage,
  // read from the audit log (GetDeliveryState). Answers the recipient's
  // { stage, by: the subscription that acknowledged it }.
  const deliveryState = async (answer) => {
    const state = await call(publisher, 'GetDeliveryState', { notification_id: answer.notification_id });
    let mine = {};
    for (const r of state.recipients) {
      const stage = r.stage.replace(/^DELIVERY_STAGE_/, '');
      log(`publisher's view of sequence ${state.sequence}: ${r.agency} ${stage} deliveries=${r.deliveries}` +
          (r.acknowledged_by ? ` acknowledged_by=${r.acknowledged_by}` : ''));
      if (r.agency === args.recipient) mine = { stage, by: r.acknowledged_by };
    }
    return mine;
  };
  const acknowledgedBy = (state, subscription) => state.stage === 'ACKNOWLEDGED' && state.by === subscription;

  // A retry after UNAVAILABLE keeps the key: the broker stores it once.
  const publish = async (notification) => {
    const answer = await call(publisher, 'Publish', { notification });
    log(`published sequence ${answer.sequence} id ${answer.notification_id} ` +
        `duplicate=${answer.duplicate} routed_to=${answer.routed_to.join(',')}`);
    check(answer.routed_to.includes(args.recipient), `${args.recipient} is not a recipient`);
    return answer;
  };

  // The recipient's subscription: this run's case only, from now on.
  const created = await call(recipient, 'CreateSubscription', {
    subscription: name, start: 'START_FROM_NOW', filter: { case_refs: [caseRef] },
  });
  log(`subscription ${name} created at sequence ${created.acknowledged_through}`);

  const first = investigationUpdate(caseRef, `example-node-${run}-1`, 'CRIME-EXAMPLE-1');
  const firstAnswer = await publish(first);
  const again = await publish(first);
  check(again.duplicate && again.sequence === firstAnswer.sequence, 'the retry was stored twice');

  const subscriber = new Subscriber(recipient, name, args);
  let got = await subscriber.receive((deliveries, heartbeats) => deliveries.length > 0 && heartbeats > 0);
  check(got.length === 1 && got[0].sequence === firstAnswer.sequence,
    'stream 1 did not deliver exactly the first');

  // While the recipient is disconnected.
  const second = investigationUpdate(caseRef, `example-node-${run}-2`, 'CRIME-EXAMPLE-2');
  const secondAnswer = await publish(second);
  let info = await subscriptionState('while disconnected');
  check(info.backlog === '1', 'the backlog while disconnected is not 1');
  check(acknowledgedBy(await deliveryState(firstAnswer), name),
    'the publisher does not see the first notification acknowledged by the subscription');
  // ROUTED, or DELIVERED when the closing stream was handed it as it was
  // published (unacknowledged, it comes again on the next stream).
  check(['ROUTED', 'DELIVERED'].includes((await deliveryState(secondAnswer)).stage),
    'the publisher does not see the second notification unacknowledged (routed or delivered)');

  got = await subscriber.receive((deliveries) => deliveries.length > 0);
  check(got[0].notification.notification_id === secondAnswer.notification_id,
    'stream 2 did not start with the second notification');
  log(`resumed after sequence ${firstAnswer.sequence}: received sequence ${got[0].sequence}, ` +
      `and sequence ${firstAnswer.sequence} was not delivered again`);

  info = await subscriptionState('after resuming');
  check(info.backlog === '0' && info.acknowledged_through === secondAnswer.sequence,
    'the subscription is not acknowledged through the second notification');
  check(acknowledgedBy(await deliveryState(secondAnswer), name),
    'the publisher does not see the second notification acknowledged');

  await unary(recipient, 'DeleteSubscription', { subscription: name }, args.deadline);
  log(`subscription ${name} deleted`);
  log('round trip complete');
  publisher.close();
  recipient.close();
}

main().catch((error) => {
  // A gRPC error's message is "CODE NAME: details".
  console.error(`roundtrip: ${error.message}`);
  process.exit(1);
});
