// Chat rules that need no database: what a message body may be, who may still
// write in an interview, how messages are ordered, and the typing timers.
import type { InterviewStatus } from './interview-state.js';

/** Most characters (Unicode code points, after trimming) a message body may have. */
export const MESSAGE_BODY_MAX = 4000;

/** Sending and editing share one budget per user: at most 20 in any 10-second window. */
export const SEND_LIMIT = { limit: 20, windowMs: 10_000 } as const;

/** setTyping calls per user (ephemeral, but each one is published). */
export const TYPING_LIMIT = { limit: 30, windowMs: 10_000 } as const;

/** Typing stops on its own this long after the last setTyping(true). */
export const TYPING_TIMEOUT_MS = 5_000;

export type BodyCheck = { ok: true; body: string } | { ok: false; reason: string };

/**
 * Trims the body and checks its length in characters (code points, so an emoji
 * counts once). The text is otherwise kept exactly as sent: it is plain text
 * and clients escape it when they render it.
 */
export function checkBody(raw: string): BodyCheck {
  const body = raw.trim();
  if (body.length === 0) return { ok: false, reason: 'must not be empty.' };
  // A code point is at most two UTF-16 units: past twice the limit, no need to count.
  if (body.length > 2 * MESSAGE_BODY_MAX || countCodePoints(body) > MESSAGE_BODY_MAX) {
    return { ok: false, reason: `must be at most ${MESSAGE_BODY_MAX} characters.` };
  }
  // PostgreSQL text cannot hold NUL; refusing it here beats an internal error there.
  if (body.includes('\u0000')) return { ok: false, reason: 'must not contain NUL characters.' };
  return { ok: true, body };
}

function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Chat is open before, during and after the session. A cancelled interview's
 * chat stays readable (and can be marked read) but takes no new messages,
 * edits, deletes or typing: nobody is going to meet there any more.
 */
export function canWrite(status: InterviewStatus): { ok: true } | { ok: false; reason: string } {
  return status === 'CANCELLED'
    ? { ok: false, reason: 'The interview was cancelled; its chat is read-only.' }
    : { ok: true };
}

/** A message's place in the chat: oldest first, the id breaking ties within a millisecond. */
export interface Position {
  createdAt: Date;
  id: string;
}

/** Negative when `a` comes before `b`. Ids compare as PostgreSQL compares uuids (lowercase hex order). */
export function comparePositions(a: Position, b: Position): number {
  const t = a.createdAt.getTime() - b.createdAt.getTime();
  if (t !== 0) return t;
  const x = a.id.toLowerCase();
  const y = b.id.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A read receipt only ever moves forward: to `next` only if it comes after `current`. */
export function receiptMoves(current: Position | null, next: Position): boolean {
  return current === null || comparePositions(next, current) > 0;
}

export interface TimerApi {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: TimerApi = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Never keeps the process alive.
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * One timer per key (interview and user): `start` sets or refreshes it, `stop`
 * clears it, and a timer that runs out calls `onExpire` once.
 */
export class TypingTimers {
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (key: string) => void,
    private readonly api: TimerApi = realTimers,
  ) {}

  /** Starts or refreshes the key's timer; true when it was not running. */
  start(key: string): boolean {
    const running = this.timers.get(key);
    if (running !== undefined) this.api.clear(running);
    this.timers.set(
      key,
      this.api.set(() => {
        this.timers.delete(key);
        this.onExpire(key);
      }, this.timeoutMs),
    );
    return running === undefined;
  }

  /** Clears the key's timer; true when one was running. */
  stop(key: string): boolean {
    const running = this.timers.get(key);
    if (running === undefined) return false;
    this.api.clear(running);
    this.timers.delete(key);
    return true;
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  get size(): number {
    return this.timers.size;
  }

  /** Clears every timer without calling `onExpire` (shutdown). */
  clear(): void {
    for (const t of this.timers.values()) this.api.clear(t);
    this.timers.clear();
  }
}
