// graphql-ws `next` frames written to a socket without graphql-ws's iteration
// (room-fanout.ts, user-delivery.ts): a result is encoded once, and each write
// is a pre-framed buffer handed to ws's sender, as engine.io does for
// Socket.IO's broadcasts. Also the order of results whose execution went async.
import type { ExecutionResult } from 'graphql';
import { WebSocket } from 'ws';

/**
 * A socket whose unsent bytes pass this is too slow: it is closed (1013,
 * reconnect) instead of buffering without bound. ~3,000 events.
 */
export const MAX_BUFFERED_BYTES = 1 << 20;
export const SLOW_SOCKET_CLOSE = { code: 1013, reason: 'Too slow to keep up; reconnect' } as const;

/** Where one subscription's frames go: graphql-ws frames carry the subscription id. */
export interface FanoutTarget {
  socket: WebSocket;
  id: string;
}

/** One subscription's frames on its socket. */
export interface FrameWriter {
  socket: WebSocket;
  /** `{"id":…,"type":"next","payload":` of this subscription. */
  prefix: Buffer;
  /** The frame header plus prefix, for payloads of `headFor` total length (events rarely change length). */
  head: Buffer | null;
  headFor: number;
  /** No more frames: left, closed as too slow, or handed SERVER_SHUTDOWN. */
  stopped: boolean;
}

export function frameWriter(target: FanoutTarget): FrameWriter {
  return {
    socket: target.socket,
    prefix: Buffer.from(`{"id":${JSON.stringify(target.id)},"type":"next","payload":`),
    head: null,
    headFor: -1,
    stopped: false,
  };
}

/** A result as the payload of a `next` frame (with the frame's closing brace). */
export const encode = (result: ExecutionResult) => Buffer.from(`${JSON.stringify(result)}}`);

/** The WebSocket header of an unmasked, final text frame of `length` bytes. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) return Buffer.from([0x81, 126, length >> 8, length & 0xff]);
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

interface WsSender {
  _state?: number;
  _queue?: unknown[];
  sendFrame?: (list: Buffer[], cb?: (err?: Error) => void) => void;
}

/**
 * Writes `payload` as the subscription's `next` frame. Through ws's sender as
 * engine.io does for pre-encoded frames (a private API: used only when ws has
 * nothing queued, else ws's own send keeps the order).
 */
function writeFrame(w: FrameWriter, payload: Buffer, cb?: (err?: Error) => void) {
  const length = w.prefix.length + payload.length;
  const sender = (w.socket as unknown as { _sender?: WsSender })._sender;
  if (sender?.sendFrame && !sender._state && !sender._queue?.length) {
    if (w.headFor !== length) {
      w.head = Buffer.concat([frameHeader(length), w.prefix]);
      w.headFor = length;
    }
    sender.sendFrame([w.head!, payload], cb);
  } else {
    w.socket.send(Buffer.concat([w.prefix, payload]), { binary: false }, cb);
  }
}

/**
 * Writes a frame unless the subscription stopped or its socket closed; a
 * socket too slow to keep up is closed instead. Whether it was written
 * (`onWritten` runs only then, once the bytes are handed to the OS).
 */
export function sendFrame(w: FrameWriter, payload: Buffer, onWritten?: () => void): boolean {
  if (w.stopped || w.socket.readyState !== WebSocket.OPEN) return false;
  if (w.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    w.stopped = true;
    w.socket.close(SLOW_SOCKET_CLOSE.code, SLOW_SOCKET_CLOSE.reason);
    return false;
  }
  writeFrame(w, payload, onWritten && (() => onWritten()));
  return true;
}

/** The last frame (SERVER_SHUTDOWN), written even after `stopped`: resolves whether it was written. */
export function sendLastFrame(w: FrameWriter, payload: Buffer): Promise<boolean> {
  if (w.socket.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => writeFrame(w, payload, (err) => resolve(!err)));
}

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * Executes each event with `run` and hands its result to `deliver` in the
 * order the events came: synchronously while executions stay synchronous; an
 * execution that goes async (a resolver returned a promise) queues the later
 * events behind it. Returns the function to hand events to.
 */
export function inOrder<E>(
  run: (event: E) => Result,
  deliver: (event: E, result: ExecutionResult) => void,
  onError: (err: unknown) => ExecutionResult,
): (event: E) => void {
  let backlog: E[] | null = null;
  const execute = (event: E): Result => {
    try {
      return run(event);
    } catch (err) {
      return onError(err);
    }
  };
  async function drain(event: E, pending: Promise<ExecutionResult>) {
    for (;;) {
      deliver(event, await pending.catch(onError));
      const next = backlog!.shift();
      if (next === undefined) break;
      event = next;
      const result = execute(event);
      pending = result instanceof Promise ? result : Promise.resolve(result);
    }
    backlog = null;
  }
  return (event) => {
    if (backlog) return void backlog.push(event);
    const result = execute(event);
    if (!(result instanceof Promise)) return deliver(event, result);
    backlog = [];
    void drain(event, result);
  };
}
