/** Message correlation: feed gaps, duplicates and resume continuity; order acks, resends and doubles. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedTracker, OrderTracker } from '../../validator/verdict/correlation.ts';

describe('FeedTracker', () => {
  it('has no sequence before the first message', () => {
    const feed = new FeedTracker();
    assert.equal(feed.lastSequence, null);
    assert.equal(feed.received, 0);
  });

  it('takes the first message as the baseline, whatever its number', () => {
    const feed = new FeedTracker();
    assert.deepEqual(feed.observe(1042), { lost: 0, duplicate: false });
    assert.equal(feed.lost, 0);
    assert.equal(feed.lastSequence, 1042);
  });

  it('counts nothing lost for contiguous messages', () => {
    const feed = new FeedTracker();
    for (let seq = 1; seq <= 5; seq++) assert.deepEqual(feed.observe(seq), { lost: 0, duplicate: false });
    assert.equal(feed.received, 5);
    assert.equal(feed.lost, 0);
    assert.equal(feed.duplicated, 0);
  });

  it('counts the messages skipped by a gap', () => {
    const feed = new FeedTracker();
    feed.observe(1);
    assert.deepEqual(feed.observe(4), { lost: 2, duplicate: false });
    assert.deepEqual(feed.observe(5), { lost: 0, duplicate: false });
    assert.deepEqual(feed.observe(10), { lost: 4, duplicate: false });
    assert.equal(feed.lost, 6);
  });

  it('flags a repeated or older message as a duplicate and keeps the last sequence', () => {
    const feed = new FeedTracker();
    feed.observe(1);
    feed.observe(2);
    assert.deepEqual(feed.observe(2), { lost: 0, duplicate: true });
    assert.deepEqual(feed.observe(1), { lost: 0, duplicate: true });
    assert.equal(feed.duplicated, 2);
    assert.equal(feed.received, 4);
    assert.equal(feed.lastSequence, 2);
  });

  it('advances over messages counted elsewhere as over the same messages observed', () => {
    const observed = new FeedTracker();
    const advanced = new FeedTracker();
    for (const seq of [4, 5, 6, 7]) observed.observe(seq);
    advanced.observe(4);
    advanced.advance(7, 3);
    assert.deepEqual(
      [advanced.lastSequence, advanced.received, advanced.lost, advanced.duplicated],
      [observed.lastSequence, observed.received, observed.lost, observed.duplicated],
    );
    assert.deepEqual(advanced.observe(9), observed.observe(9));
  });

  it('resumes across a reconnect: the replay continues without loss', () => {
    const feed = new FeedTracker();
    feed.observe(7);
    feed.observe(8);
    // Reconnect resuming after 8; the server replays from 9.
    assert.deepEqual(feed.observe(9), { lost: 0, duplicate: false });
    assert.equal(feed.lost, 0);
  });

  it('a replay that starts too early shows up as duplicates, too late as loss', () => {
    const early = new FeedTracker();
    early.observe(7);
    early.observe(8);
    early.observe(8);
    early.observe(9);
    assert.equal(early.duplicated, 1);
    assert.equal(early.lost, 0);

    const late = new FeedTracker();
    late.observe(7);
    late.observe(8);
    late.observe(11);
    assert.equal(late.duplicated, 0);
    assert.equal(late.lost, 2);
  });
});

describe('OrderTracker', () => {
  it('keeps sent orders pending until acked', () => {
    const orders = new OrderTracker();
    orders.send('c1', 1000);
    orders.send('c2', 1100);
    assert.equal(orders.sent, 2);
    assert.equal(orders.pendingCount, 2);
    assert.deepEqual(orders.unacked(), ['c1', 'c2']);
    assert.deepEqual(orders.ackedIds(), []);
  });

  it('returns the ack latency and completes the order', () => {
    const orders = new OrderTracker();
    orders.send('c1', 1000);
    orders.send('c2', 1100);
    assert.equal(orders.ack('c2', false, 1350), 250);
    assert.equal(orders.pendingCount, 1);
    assert.deepEqual(orders.unacked(), ['c1']);
    assert.deepEqual(orders.ackedIds(), ['c2']);
  });

  it('measures latency from the first send when a pending order is resent', () => {
    const orders = new OrderTracker();
    orders.send('c1', 1000);
    // After a reconnect the VU resends unacked() without calling send() again.
    assert.deepEqual(orders.unacked(), ['c1']);
    assert.equal(orders.ack('c1', true, 4000), 3000);
    assert.equal(orders.appliedTwice, 0);
    assert.equal(orders.pendingCount, 0);
  });

  it('has no resend probe before the first ack, then the last acked order', () => {
    const orders = new OrderTracker();
    assert.equal(orders.resendProbe(), null);
    orders.send('c1', 0);
    orders.send('c2', 0);
    assert.equal(orders.resendProbe(), null);
    orders.ack('c1', false, 10);
    assert.equal(orders.resendProbe(), 'c1');
    orders.ack('c2', false, 20);
    assert.equal(orders.resendProbe(), 'c2');
  });

  it('accepts a duplicate ack for a resent probe', () => {
    const orders = new OrderTracker();
    orders.send('c1', 0);
    orders.ack('c1', false, 10);
    assert.equal(orders.ack('c1', true, 20), null);
    assert.equal(orders.appliedTwice, 0);
    assert.equal(orders.unexpectedAcks, 0);
  });

  it('detects an order applied twice: a second "applied" ack', () => {
    const orders = new OrderTracker();
    orders.send('c1', 0);
    orders.ack('c1', false, 10);
    assert.equal(orders.ack('c1', false, 20), null);
    assert.equal(orders.ack('c1', false, 30), null);
    assert.equal(orders.appliedTwice, 2);
    assert.deepEqual(orders.ackedIds(), ['c1']);
  });

  it('counts acks for orders never sent as unexpected', () => {
    const orders = new OrderTracker();
    orders.send('c1', 0);
    assert.equal(orders.ack('someone-else', false, 10), null);
    assert.equal(orders.ack('someone-else', true, 20), null);
    assert.equal(orders.unexpectedAcks, 2);
    assert.equal(orders.appliedTwice, 0);
    assert.equal(orders.pendingCount, 1);
    assert.deepEqual(orders.ackedIds(), []);
  });
});
