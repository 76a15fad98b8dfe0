import { decodeToken04, generateToken04, token04ExpiresAt, type Token04Input } from '../src/domain/zego-token.js';

const SECRET = 'fa94dd0f974cf2e293728a526b028271';
const NOW = new Date('2026-01-05T09:00:00.750Z');
const input: Token04Input = {
  appId: 1234567890,
  userId: 'user-7f3a',
  secret: SECRET,
  effectiveTimeInSeconds: 3600,
  roomId: 'interview-42',
  now: NOW,
};

describe('generateToken04', () => {
  it('carries the app, user, times and a random int32 nonce, readable with the secret', () => {
    const { plaintext } = decodeToken04(generateToken04(input), SECRET);
    const ctime = Math.floor(NOW.getTime() / 1000);
    expect(plaintext).toEqual({
      app_id: 1234567890,
      user_id: 'user-7f3a',
      nonce: expect.any(Number),
      ctime,
      expire: ctime + 3600,
      payload: expect.any(String),
    });
    expect(Number.isInteger(plaintext.nonce)).toBe(true);
    expect(plaintext.nonce).toBeGreaterThanOrEqual(-(2 ** 31));
    expect(plaintext.nonce).toBeLessThan(2 ** 31);
  });

  it('limits the token to the room, as a JSON string payload', () => {
    const { plaintext, payload } = decodeToken04(generateToken04(input), SECRET);
    expect(typeof plaintext.payload).toBe('string');
    expect(plaintext.payload).toBe('{"room_id":"interview-42","privilege":{"1":1,"2":1},"stream_id_list":null}');
    expect(payload).toEqual({ room_id: 'interview-42', privilege: { 1: 1, 2: 1 }, stream_id_list: null });
  });

  it('states the same expiry in clear, in the plaintext and through token04ExpiresAt', () => {
    const { expire, plaintext } = decodeToken04(generateToken04(input), SECRET);
    expect(expire).toBe(plaintext.expire);
    expect(token04ExpiresAt({ now: NOW, effectiveTimeInSeconds: 3600 })).toEqual(new Date(expire * 1000));
    expect(token04ExpiresAt({ now: NOW, effectiveTimeInSeconds: 3600 })).toEqual(new Date('2026-01-05T10:00:00Z'));
  });

  it('packs "04" + base64(expire, nonce length, nonce, ciphertext length, ciphertext + tag, mode 1)', () => {
    const token = generateToken04(input);
    expect(token.startsWith('04')).toBe(true);
    const bytes = Buffer.from(token.slice(2), 'base64');
    expect(bytes.toString('base64')).toBe(token.slice(2));

    const { plaintext, nonce } = decodeToken04(token, SECRET);
    expect(bytes.readBigInt64BE(0)).toBe(BigInt(plaintext.expire));
    expect(bytes.readUInt16BE(8)).toBe(12);
    expect(bytes.subarray(10, 22)).toEqual(nonce);
    const sealedLength = bytes.readUInt16BE(22);
    // GCM does not pad: the ciphertext is as long as the JSON, plus the 16-byte tag.
    expect(sealedLength).toBe(Buffer.byteLength(JSON.stringify(plaintext)) + 16);
    expect(bytes.length).toBe(8 + 2 + 12 + 2 + sealedLength + 1);
    expect(bytes.at(-1)).toBe(1);
  });

  it('makes a different token every time, even in the same second', () => {
    const tokens = new Set(Array.from({ length: 20 }, () => generateToken04(input)));
    expect(tokens.size).toBe(20);
  });

  it('uses the current time when none is given', () => {
    const before = Math.floor(Date.now() / 1000);
    const { plaintext } = decodeToken04(generateToken04({ ...input, now: undefined }), SECRET);
    expect(plaintext.ctime).toBeGreaterThanOrEqual(before);
    expect(plaintext.ctime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('refuses a secret that is not 32 characters, or not 32 bytes', () => {
    for (const secret of ['', SECRET.slice(1), `${SECRET}0`, `é${SECRET.slice(1)}`]) {
      expect(() => generateToken04({ ...input, secret })).toThrow(/server secret must be 32 ASCII characters/);
    }
  });

  it('refuses ids and lifetimes ZEGOCLOUD would not accept', () => {
    for (const bad of [
      { appId: 0 },
      { appId: 1.5 },
      { appId: 2 ** 32 },
      { userId: '' },
      { userId: 'u'.repeat(65) },
      { roomId: '' },
      { roomId: 'r'.repeat(129) },
      { effectiveTimeInSeconds: 0 },
      { effectiveTimeInSeconds: 1.5 },
    ]) {
      expect(() => generateToken04({ ...input, ...bad })).toThrow(RangeError);
    }
  });
});

describe('decodeToken04', () => {
  it('fails with a wrong secret', () => {
    const token = generateToken04(input);
    expect(() => decodeToken04(token, 'x'.repeat(32))).toThrow('The token04 does not decrypt with this secret.');
  });

  it('fails when a ciphertext byte was changed', () => {
    const bytes = Buffer.from(generateToken04(input).slice(2), 'base64');
    bytes[30] = bytes[30]! ^ 1;
    expect(() => decodeToken04(`04${bytes.toString('base64')}`, SECRET)).toThrow(/does not decrypt/);
  });

  it('rejects what is not a well-formed token04', () => {
    const token = generateToken04(input);
    expect(() => decodeToken04(`03${token.slice(2)}`, SECRET)).toThrow(/must start with "04"/);
    const bytes = Buffer.from(token.slice(2), 'base64');
    expect(() => decodeToken04(`04${bytes.subarray(0, 40).toString('base64')}`, SECRET)).toThrow(/ends too early/);
    const trailing = Buffer.concat([bytes, Buffer.from([0])]);
    expect(() => decodeToken04(`04${trailing.toString('base64')}`, SECRET)).toThrow(/trailing bytes/);
    const otherMode = Buffer.from(bytes);
    otherMode[otherMode.length - 1] = 0;
    expect(() => decodeToken04(`04${otherMode.toString('base64')}`, SECRET)).toThrow(/mode 0/);
  });
});
