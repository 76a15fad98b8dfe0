// ZEGOCLOUD "token04": what a participant's browser presents to join the
// interview's video room. The layout is that of ZEGOCLOUD's server assistant
// (zego_server_assistant, token/nodejs/token04); decodeToken04 reads it back,
// so the two functions together document the format:
//
//   "04" + base64( expire int64 BE | nonce length uint16 BE | nonce (12 bytes)
//                  | ciphertext length uint16 BE | AES-256-GCM ciphertext + 16-byte tag
//                  | mode byte 1 = GCM )
//
// The key is the 32-character server secret, the GCM IV is the nonce, and the
// plaintext is the JSON of Token04Plaintext.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';

const VERSION = '04';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MODE_GCM = 1;
const SECRET_LENGTH = 32;
// ZEGOCLOUD's own limits; a longer id would produce a token the SDK refuses.
const USER_ID_MAX = 64;
const ROOM_ID_MAX = 128;

/** Privilege 1 is logging into the room, 2 publishing a stream: both partners need both. */
export interface Token04Payload {
  room_id: string;
  privilege: { 1: 0 | 1; 2: 0 | 1 };
  stream_id_list: string[] | null;
}

export interface Token04Plaintext {
  app_id: number;
  user_id: string;
  /** A random int32, so that two tokens made in the same second differ. */
  nonce: number;
  /** Unix seconds. */
  ctime: number;
  /** Unix seconds. */
  expire: number;
  /** The JSON string of a Token04Payload: ZEGOCLOUD expects a string here, not an object. */
  payload: string;
}

export interface Token04Input {
  appId: number;
  userId: string;
  secret: string;
  effectiveTimeInSeconds: number;
  /** The token lets its holder into this room only. */
  roomId: string;
  now?: Date;
}

/** When a token made at `now` stops working: the token counts in whole seconds from the second it was made. */
export const token04ExpiresAt = ({ now, effectiveTimeInSeconds }: { now: Date; effectiveTimeInSeconds: number }) =>
  new Date((unixSeconds(now) + effectiveTimeInSeconds) * 1000);

export function generateToken04(input: Token04Input): string {
  const key = secretKey(input.secret);
  if (!Number.isInteger(input.appId) || input.appId <= 0 || input.appId > 0xffff_ffff) {
    throw new RangeError('The ZEGOCLOUD app id must be a positive 32-bit integer.');
  }
  if (input.userId.length === 0 || input.userId.length > USER_ID_MAX) {
    throw new RangeError(`The ZEGOCLOUD user id must have 1 to ${USER_ID_MAX} characters.`);
  }
  if (input.roomId.length === 0 || input.roomId.length > ROOM_ID_MAX) {
    throw new RangeError(`The ZEGOCLOUD room id must have 1 to ${ROOM_ID_MAX} characters.`);
  }
  if (!Number.isSafeInteger(input.effectiveTimeInSeconds) || input.effectiveTimeInSeconds <= 0) {
    throw new RangeError('The token lifetime must be a positive whole number of seconds.');
  }

  const ctime = unixSeconds(input.now ?? new Date());
  const payload: Token04Payload = { room_id: input.roomId, privilege: { 1: 1, 2: 1 }, stream_id_list: null };
  const plaintext: Token04Plaintext = {
    app_id: input.appId,
    user_id: input.userId,
    nonce: randomInt(-(2 ** 31), 2 ** 31),
    ctime,
    expire: ctime + input.effectiveTimeInSeconds,
    payload: JSON.stringify(payload),
  };

  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const ciphertext = Buffer.concat([
    cipher.update(JSON.stringify(plaintext), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);

  const expire = Buffer.alloc(8);
  expire.writeBigInt64BE(BigInt(plaintext.expire));
  const packed = Buffer.concat([
    expire,
    uint16(nonce.length),
    nonce,
    uint16(ciphertext.length),
    ciphertext,
    Buffer.from([MODE_GCM]),
  ]);
  return VERSION + packed.toString('base64');
}

export interface DecodedToken04 {
  /** The expiry in clear, which ZEGOCLOUD reads before decrypting. */
  expire: number;
  nonce: Buffer;
  mode: number;
  plaintext: Token04Plaintext;
  payload: Token04Payload;
}

/** Reads a token back with the secret it was made with; throws if it is malformed or the secret is wrong. */
export function decodeToken04(token: string, secret: string): DecodedToken04 {
  const key = secretKey(secret);
  if (!token.startsWith(VERSION)) throw new Error('Not a token04: it must start with "04".');
  const bytes = Buffer.from(token.slice(VERSION.length), 'base64');

  let at = 0;
  const take = (length: number) => {
    if (at + length > bytes.length) throw new Error('Malformed token04: it ends too early.');
    const part = bytes.subarray(at, at + length);
    at += length;
    return part;
  };
  const expire = Number(take(8).readBigInt64BE());
  const nonce = take(take(2).readUInt16BE());
  const sealed = take(take(2).readUInt16BE());
  const mode = take(1).readUInt8();
  if (at !== bytes.length) throw new Error('Malformed token04: trailing bytes.');
  if (mode !== MODE_GCM) throw new Error(`Unsupported token04 encryption mode ${mode}.`);
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new Error('Malformed token04: bad lengths.');

  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  let json: string;
  try {
    json = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error('The token04 does not decrypt with this secret.');
  }
  const plaintext = JSON.parse(json) as Token04Plaintext;
  return { expire, nonce, mode, plaintext, payload: JSON.parse(plaintext.payload) as Token04Payload };
}

function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret, 'utf8');
  // AES-256 needs exactly 32 bytes; a non-ASCII character would make 32 characters longer than that.
  if (secret.length !== SECRET_LENGTH || key.length !== SECRET_LENGTH) {
    throw new RangeError(`The ZEGOCLOUD server secret must be ${SECRET_LENGTH} ASCII characters.`);
  }
  return key;
}

const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

function uint16(value: number): Buffer {
  const buf = Buffer.alloc(2);
  buf.writeUInt16BE(value);
  return buf;
}
