// The shutdown broadcast without a network: plain async iterators as streams,
// the test as the consumer that "sends" each item before pulling the next.
import { AsyncQueue } from '../src/infra/async-queue.js';
import { createShutdownNotice } from '../src/infra/shutdown-notice.js';

const final = (last: number | undefined) => -(last ?? 0);

describe('shutdown notice', () => {
  it('yields the final item ahead of queued ones, with the last delivered item, and nothing after it', async () => {
    const notice = createShutdownNotice();
    const source = new AsyncQueue<number>();
    const stream = notice.wrap(source, final);
    source.push(1);
    source.push(2);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    source.push(3);
    const announced = notice.announce(1_000);
    expect(await stream.next()).toEqual({ value: -1, done: false });
    // Not pulled past yet: announce() still waits.
    let settled = false;
    void announced.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    // Pulling past it settles announce(); the stream neither completes nor yields the queued items.
    const after = stream.next();
    expect(await announced).toEqual({ delivered: 1, undelivered: 0 });
    let next: IteratorResult<number> | undefined;
    void after.then((r) => (next = r));
    await new Promise((r) => setImmediate(r));
    expect(next).toBeUndefined();
    await stream.return!();
    expect(await after).toEqual({ value: undefined, done: true });
    expect(notice.size()).toBe(0);
  });

  it('interrupts a consumer waiting on an idle source, and the final item of a fresh stream sees no delivered item', async () => {
    const notice = createShutdownNotice();
    const source = new AsyncQueue<number>();
    const stream = notice.wrap(source, final);
    const waiting = stream.next();
    const announced = notice.announce(1_000);
    expect(await waiting).toEqual({ value: -0, done: false });
    void stream.next();
    expect(await announced).toEqual({ delivered: 1, undelivered: 0 });
  });

  it('counts a stream closed before its consumer pulled past the final item as undelivered, and stops at the deadline', async () => {
    const notice = createShutdownNotice();
    const closed = notice.wrap(new AsyncQueue<number>(), final);
    const stuck = notice.wrap(new AsyncQueue<number>(), final); // its consumer never pulls
    const announced = notice.announce(50);
    expect((await closed.next()).value).toBe(-0);
    await closed.return!();
    expect(await announced).toEqual({ delivered: 0, undelivered: 2 });
    await stuck.return!();
  });

  it('carries on with the source when the final item cannot be made', async () => {
    const notice = createShutdownNotice();
    const source = new AsyncQueue<number>();
    const stream = notice.wrap(source, () => {
      throw new Error('database gone');
    });
    const announced = notice.announce(1_000);
    source.push(7);
    expect(await stream.next()).toEqual({ value: 7, done: false });
    expect(await announced).toEqual({ delivered: 0, undelivered: 1 });
  });

  it('waits for streams being opened when the announcement starts, which then start with their final item', async () => {
    const notice = createShutdownNotice();
    let ready!: () => void;
    const opened = notice.opening(async () => {
      await new Promise<void>((r) => (ready = r));
      return notice.wrap(new AsyncQueue<number>(), final);
    });
    const announced = notice.announce(1_000);
    ready();
    const stream = await opened;
    expect(await stream.next()).toEqual({ value: -0, done: false });
    void stream.next();
    expect(await announced).toEqual({ delivered: 1, undelivered: 0 });
  });

  it('a stream opened after the announcement starts with its final item', async () => {
    const notice = createShutdownNotice();
    await notice.announce(10);
    const source = new AsyncQueue<number>();
    source.push(5);
    const stream = notice.wrap(source, final);
    expect(await stream.next()).toEqual({ value: -0, done: false });
  });

  it('ends like its source when the source completes', async () => {
    const notice = createShutdownNotice();
    const source = new AsyncQueue<number>();
    const stream = notice.wrap(source, final);
    source.close();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(notice.size()).toBe(0);
  });
});
