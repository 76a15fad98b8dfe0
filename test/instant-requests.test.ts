// The pure rules of instant interviews: who may be asked, who may act when,
// the instant slot.
import {
  INSTANT_REQUEST_STATUSES,
  REJECT_REASON_MAX,
  checkAction,
  effectiveStatus,
  instantSlot,
  isLive,
  peerRefusal,
  rejectReason,
  type PeerState,
} from '../src/domain/instant-requests.js';

const now = new Date('2030-01-01T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('peerRefusal', () => {
  const free: PeerState = { isSelf: false, online: true, availability: 'AVAILABLE', inInterview: false };

  it('lets an online, AVAILABLE peer who is not in an interview be asked', () => {
    expect(peerRefusal(free)).toBeNull();
  });

  it.each<[string, Partial<PeerState>, string, RegExp]>([
    ['yourself', { isSelf: true }, 'SELF', /yourself/],
    ['not connected', { online: false }, 'OFFLINE', /offline/],
    ['set OFFLINE while connected', { availability: 'OFFLINE' }, 'OFFLINE', /offline/],
    ['BUSY', { availability: 'BUSY' }, 'BUSY', /busy/],
    ['in an interview', { inInterview: true }, 'BUSY', /busy.*interview/],
  ])('refuses a peer who is %s, saying why', (_label, change, code, message) => {
    const refusal = peerRefusal({ ...free, ...change });
    expect(refusal?.code).toBe(code);
    expect(refusal?.message).toMatch(message);
  });

  it('names being yourself before anything else', () => {
    expect(peerRefusal({ isSelf: true, online: false, availability: 'BUSY', inInterview: true })?.code).toBe('SELF');
  });
});

describe('checkAction', () => {
  const request = { status: 'PENDING' as const, expiresAt: later(60_000), requesterId: 'req', addresseeId: 'addr' };

  it('lets the addressee respond and the requester cancel a live request', () => {
    expect(checkAction(request, 'addr', 'respond', now)).toEqual({ ok: true });
    expect(checkAction(request, 'req', 'cancel', now)).toEqual({ ok: true });
  });

  it('gives the other party FORBIDDEN and anyone else NOT_FOUND, whatever the state', () => {
    for (const status of INSTANT_REQUEST_STATUSES) {
      const r = { ...request, status };
      expect(checkAction(r, 'req', 'respond', now)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(checkAction(r, 'addr', 'cancel', now)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(checkAction(r, 'someone', 'respond', now)).toEqual({
        ok: false,
        code: 'NOT_FOUND',
        message: 'Instant request not found.',
      });
      expect(checkAction(r, 'someone', 'cancel', now)).toEqual({
        ok: false,
        code: 'NOT_FOUND',
        message: 'Instant request not found.',
      });
    }
  });

  it('refuses a request that is no longer pending with CONFLICT naming its state', () => {
    for (const status of INSTANT_REQUEST_STATUSES.filter((s) => s !== 'PENDING')) {
      expect(checkAction({ ...request, status }, 'addr', 'respond', now)).toEqual({
        ok: false,
        code: 'CONFLICT',
        message: `This request is already ${status.toLowerCase()}.`,
      });
    }
  });

  it('refuses a PENDING request past its expiry, at the very instant too', () => {
    expect(checkAction({ ...request, expiresAt: now }, 'addr', 'respond', now)).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: 'This request has expired.',
    });
    expect(checkAction({ ...request, expiresAt: later(-1) }, 'req', 'cancel', now)).toMatchObject({
      ok: false,
      code: 'CONFLICT',
    });
  });
});

describe('isLive and effectiveStatus', () => {
  it('a PENDING request reads EXPIRED once its expiry passes; other states read as they are', () => {
    const pending = { status: 'PENDING' as const, expiresAt: later(1) };
    expect(isLive(pending, now)).toBe(true);
    expect(effectiveStatus(pending, now)).toBe('PENDING');
    expect(isLive(pending, later(1))).toBe(false);
    expect(effectiveStatus(pending, later(1))).toBe('EXPIRED');
    expect(effectiveStatus({ status: 'ACCEPTED', expiresAt: later(-10_000) }, now)).toBe('ACCEPTED');
  });
});

describe('rejectReason', () => {
  it('trims, treats blank as none, and refuses more than the limit', () => {
    expect(rejectReason(undefined)).toEqual({ ok: true, value: null });
    expect(rejectReason('   ')).toEqual({ ok: true, value: null });
    expect(rejectReason('  in a meeting ')).toEqual({ ok: true, value: 'in a meeting' });
    expect(rejectReason('x'.repeat(REJECT_REASON_MAX))).toMatchObject({ ok: true });
    expect(rejectReason('x'.repeat(REJECT_REASON_MAX + 1))).toEqual({
      ok: false,
      message: 'must be at most 500 characters.',
    });
  });
});

describe('instantSlot', () => {
  it('starts at acceptance and lasts an hour', () => {
    expect(instantSlot(now)).toEqual({ startsAt: now, endsAt: later(3_600_000) });
  });
});
