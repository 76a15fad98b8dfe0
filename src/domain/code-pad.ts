// The shared code pad's rules: limits and who may do what when.

/** The Y.Text inside the pad's Yjs document that clients bind their editor to. */
export const CODE_PAD_TEXT = 'code';

export const CODE_PAD_LIMITS = {
  /** One update, decoded. */
  updateBytes: 64 * 1024,
  /** The merged document state (history included), decoded. */
  stateBytes: 1024 * 1024,
  /** The text of the document. */
  textChars: 100_000,
  /** Updates per user per window. */
  updates: 120,
  windowMs: 10_000,
} as const;

const LANGUAGE = /^[a-z0-9][a-z0-9+#._-]{0,31}$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Lowercase names like `typescript`, `c++`, `c#`: what editors' syntax modes are called. */
export function checkLanguage(raw: string): Checked<string> {
  const value = raw.trim().toLowerCase();
  return LANGUAGE.test(value)
    ? { ok: true, value }
    : { ok: false, message: 'must be 1–32 characters: letters, digits and + # . _ -' };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 Yjs update, decoded; its size checked before and after decoding. */
export function decodeUpdate(raw: string): Checked<Uint8Array> {
  if (raw.length === 0 || raw.length % 4 !== 0 || !BASE64.test(raw))
    return { ok: false, message: 'must be a base64-encoded Yjs update.' };
  if ((raw.length / 4) * 3 > CODE_PAD_LIMITS.updateBytes + 2)
    return { ok: false, message: `must be at most ${CODE_PAD_LIMITS.updateBytes} bytes.` };
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length > CODE_PAD_LIMITS.updateBytes)
    return { ok: false, message: `must be at most ${CODE_PAD_LIMITS.updateBytes} bytes.` };
  return { ok: true, value: new Uint8Array(bytes) };
}

/** Who may edit: participants while the interview runs. Reading and watching stay open to them afterwards. */
export function canEditPad(status: string): Checked<true> {
  if (status === 'IN_PROGRESS') return { ok: true, value: true };
  return {
    ok: false,
    message:
      status === 'SCHEDULED'
        ? 'The code pad opens when the interview starts.'
        : 'The interview is over; its code pad is read-only.',
  };
}
