// The question bank's and code pad's pure rules.
import { checkLanguage, decodeUpdate, canEditPad, CODE_PAD_LIMITS } from '../src/domain/code-pad.js';
import { canSeeQuestion, normalizeQuestion, questionPairs } from '../src/domain/questions.js';
import { STARTER_QUESTIONS } from '../src/domain/starter-questions.js';

it('the asker and admins always see the question; the asked one only once the interview is completed', () => {
  const assigned = { askedById: 'asker', askedToId: 'asked' };
  for (const status of ['SCHEDULED', 'IN_PROGRESS', 'CANCELLED']) {
    expect(canSeeQuestion({ id: 'asker', admin: false }, assigned, status)).toBe(true);
    expect(canSeeQuestion({ id: 'asked', admin: false }, assigned, status)).toBe(false);
  }
  expect(canSeeQuestion({ id: 'asked', admin: false }, assigned, 'COMPLETED')).toBe(true);
  expect(canSeeQuestion({ id: 'other', admin: false }, assigned, 'COMPLETED')).toBe(false);
  expect(canSeeQuestion({ id: 'other', admin: true }, assigned, 'IN_PROGRESS')).toBe(true);
});

it('each participant asks the other at the asked one’s difficulty', () => {
  expect(
    questionPairs({
      type: 'TECHNICAL',
      participants: [
        { userId: 'a', difficulty: 'EASY' },
        { userId: 'b', difficulty: 'HARD' },
      ],
    }),
  ).toEqual([
    { askedById: 'a', askedToId: 'b', difficulty: 'HARD' },
    { askedById: 'b', askedToId: 'a', difficulty: 'EASY' },
  ]);
  expect(questionPairs({ type: 'TECHNICAL', participants: [{ userId: 'a', difficulty: 'EASY' }] })).toEqual([]);
});

it('normalises an admin’s question and names the bad field', () => {
  expect(
    normalizeQuestion({ type: 'BEHAVIORAL', difficulty: 'EASY', title: ' T ', body: ' B ', hints: [' h ', ''] }),
  ).toEqual({
    ok: true,
    value: { type: 'BEHAVIORAL', difficulty: 'EASY', title: 'T', body: 'B', hints: ['h'] },
  });
  expect(
    normalizeQuestion({ type: 'BEHAVIORAL', difficulty: 'EASY', title: 'T', body: 'B', hints: ['x'.repeat(1001)] }),
  ).toMatchObject({ ok: false, field: 'hints' });
});

it('the starter bank has 10 questions per type and difficulty with unique keys', () => {
  expect(STARTER_QUESTIONS).toHaveLength(60);
  expect(new Set(STARTER_QUESTIONS.map((q) => q.key)).size).toBe(60);
  for (const q of STARTER_QUESTIONS) expect(normalizeQuestion(q).ok).toBe(true);
});

it('code pad: languages, update decoding and who may edit when', () => {
  expect(checkLanguage(' TypeScript ')).toEqual({ ok: true, value: 'typescript' });
  expect(checkLanguage('c++').ok).toBe(true);
  expect(checkLanguage('two words').ok).toBe(false);
  expect(decodeUpdate('AAA=')).toEqual({ ok: true, value: new Uint8Array([0, 0]) });
  expect(decodeUpdate('').ok).toBe(false);
  expect(decodeUpdate('***=').ok).toBe(false);
  expect(decodeUpdate(Buffer.alloc(CODE_PAD_LIMITS.updateBytes + 3).toString('base64')).ok).toBe(false);
  expect(canEditPad('IN_PROGRESS').ok).toBe(true);
  expect(canEditPad('SCHEDULED').ok).toBe(false);
  expect(canEditPad('COMPLETED')).toEqual({ ok: false, message: 'The interview is over; its code pad is read-only.' });
});
