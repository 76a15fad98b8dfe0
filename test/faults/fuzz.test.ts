// Fuzzing: generated documents and variable sets against every root field of
// the schema (the list comes from the app's schema, so a new operation is
// fuzzed without touching this file), over real HTTP, graphql-ws and raw
// sockets, as anonymous, users, an admin and bad tokens, on real rows.
// Every response must carry the contract's codes only (docs/api.md), never INTERNAL_SERVER_ERROR,
// never internals; the server must survive and its data stay consistent.
// Reproduce a failure with the printed FUZZ_SEED (and FUZZ_RUNS).
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { schema } from '../../src/schema/index.js';
import { admitted, connectWs, type WsConnection } from '../support/client.js';
import { book, createSlot, matchPair, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { startTestStack } from '../support/server.js';

// The value tables below keep many entries per line (prettier-ignore): one per line is unreadable.
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261201);
// About 25 documents per root field: more fields, more runs.
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2600);
const CONCURRENCY = 6;
const WELL_TYPED_PER_OP = 3;
/** A subscription that has sent nothing by then is live: nothing more to check. */
const LIVE_SUBSCRIPTION_MS = 1_000;
const REQUEST_TIMEOUT_MS = 20_000;
const CODES = new Set<string>(ERROR_CODES);

// Internals that must never reach a client. Quoted text is removed first:
// GraphQL messages echo the client's own (fuzzed) values in quotes.
// prettier-ignore
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\bat \S+ \(|\bat file:|\(\/[^)]*:\d+:\d+\)/],
  ['file path', /\/(src|test|node_modules|work|home|usr)\/[\w./-]+/],
  ['node_modules', /node_modules/],
  ['Prisma', /prisma/i],
  ['Prisma invocation', /invalid `/i],
  ['SQL', /\b(SELECT|INSERT|UPDATE|DELETE FROM|WHERE)\b|\brelation\b|\bviolates\b|invalid input syntax|invalid byte sequence|out of range for type/],
  ['JS error', /TypeError|ReferenceError|RangeError|SyntaxError: Unexpected|Cannot read propert|is not a function|undefined is not/],
  ['connection string', /postgres(ql)?:\/\/|redis:\/\//],
];

// --- the operations, from the schema ---------------------------------------

type OpType = 'query' | 'mutation' | 'subscription';
interface RootField {
  opType: OpType;
  field: GraphQLField<unknown, unknown>;
  key: string;
}
const rootTypes: [OpType, GraphQLObjectType | null | undefined][] = [
  ['query', schema.getQueryType()],
  ['mutation', schema.getMutationType()],
  ['subscription', schema.getSubscriptionType()],
];
const ROOT_FIELDS: RootField[] = rootTypes.flatMap(([opType, type]) =>
  Object.values(type?.getFields() ?? {}).map((field) => ({ opType, field, key: `${opType}.${field.name}` })),
);

// --- a tiny deterministic PRNG for document shapes (fast-check seeds it) -----

interface Rng {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}
function rng(seed: number): Rng {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, chance: (p) => next() < p, pick: (xs) => xs[int(xs.length)]! };
}

// --- values ------------------------------------------------------------------

const MB = 'x'.repeat(1 << 20);
// prettier-ignore
const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', 'nul\u0000in the middle', '\u0007\u001b[31mred\u001b[0m', '\t\r\n', '\uD800', '\uDFFF lone',
  '\uFFFE\uFFFF', '\u202Eevil', '😀'.repeat(40), 'Ωmega ñ 中文 العربية', 'e\u0301', "O'Brien\"; --", '%s%n%x', '../../../etc/passwd',
  '<script>alert(1)</script>', '${jndi:ldap://x/a}', 'null', 'undefined', 'true', '0', '-1', 'NaN', 'Infinity', '-Infinity',
  '1e309', '0x10', '{}', '[]', 'fuzz@example.com', 'FUZZ@EXAMPLE.COM ', 'a@b', 'password123', 'a'.repeat(255), 'é'.repeat(2001),
  'y'.repeat(4001), ' '.repeat(3000), '9'.repeat(19), '12345678901234567890', '2026-12-01T10:00:00Z',
];
// prettier-ignore
const BOUNDARY_NUMBERS = [
  0, -0, 1, -1, 2, 3, 4, 5, 6, 14, 15, 16, 100, 101, 239, 240, 241, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, -(2 ** 53),
  1.5, 0.1, -0.0001, 4.999, 1e308, -1e308, 5e-324,
];
// prettier-ignore
const DATE_TIMES = [
  '2030-01-01T10:00:00Z', '2030-01-01T10:00:00.000Z', '2030-01-01T10:00:30Z', '2030-01-01T12:00:00+02:00', '2000-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999-23:59', '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00Z', '2026-12-31T23:59:60Z', '2026-01-01', '10:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01 10:00:00',
  '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', 'now', 'yesterday', '',
];
const nowish = () => new Date(Math.ceil((Date.now() + 30 * 60_000) / 60_000) * 60_000).toISOString();

const deepObject = (n: number): unknown => (n === 0 ? 'bottom' : { a: deepObject(n - 1) });
const deepArray = (n: number): unknown => (n === 0 ? [] : [deepArray(n - 1)]);

const anything: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), {
      maxKeys: 4,
    }),
  },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Array(10_000).fill('x'), deepObject(300), deepArray(300), MB) },
);

function scalarValue(name: string, ids: readonly string[]): fc.Arbitrary<unknown> {
  const strings = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constant(MB) },
  );
  switch (name) {
    case 'ID':
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...ids) },
        { weight: 3, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => id.toUpperCase()) },
        { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => ` ${id}\n`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
        },
        { weight: 2, arbitrary: strings },
        { weight: 1, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
      );
    case 'String':
      return fc.oneof({ weight: 5, arbitrary: strings }, { weight: 1, arbitrary: fc.constantFrom(...ids) });
    case 'Int':
    case 'Float':
      return fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
        { weight: 2, arbitrary: fc.integer() },
        { weight: 1, arbitrary: fc.constantFrom('1', '5', 'NaN', 'Infinity', '1e3', '0x10', '') },
      );
    case 'Boolean':
      return fc.oneof(
        { weight: 5, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom('true', 'false', 0, 1, '') },
      );
    case 'DateTime':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...DATE_TIMES) },
        { weight: 2, arbitrary: fc.constant(null).map(nowish) },
        { weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e15, 8.64e15 + 1) },
      );
    default:
      // JSON and any scalar added later.
      return anything;
  }
}

/**
 * A value GraphQL's own coercion accepts for the scalar (still at the rules'
 * boundaries: 0, -1, 101, 2^31 - 1, dates long past), so every case of the
 * well-typed share gets past validation and the resolver decides.
 */
function wellTypedScalar(name: string, ids: readonly string[]): fc.Arbitrary<unknown> {
  switch (name) {
    case 'ID':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.uuid() });
    case 'Int':
      return fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS.filter((n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31)),
        },
        { weight: 1, arbitrary: fc.integer() },
      );
    case 'Float':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
        { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      );
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return fc.oneof(
        { weight: 2, arbitrary: fc.constant(null).map(nowish) },
        {
          weight: 1,
          arbitrary: fc
            .date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
        },
      );
    default:
      return scalarValue(name, ids);
  }
}

/**
 * Mostly values of the right type (including wrong ones of it), sometimes
 * anything at all. `wellTyped` keeps to the type's shape (required fields
 * present, no nulls for non-null, known enum values, ids that may exist) so
 * more cases get past validation into the resolvers.
 */
function valueFor(
  type: GraphQLInputType,
  ids: readonly string[],
  wellTyped: boolean,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    const inner = valueFor(type.ofType, ids, wellTyped, depth);
    return wellTyped ? inner : fc.oneof({ weight: 12, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
  }
  let typed: fc.Arbitrary<unknown>;
  if (isListType(type)) {
    typed = fc.oneof(
      { weight: 4, arbitrary: fc.array(valueFor(type.ofType, ids, wellTyped, depth + 1), { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constant(Array(5_000).fill(null)) },
    );
  } else if (isEnumType(type)) {
    const names = type.getValues().map((v) => v.name);
    typed = wellTyped
      ? fc.constantFrom(...names)
      : fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...names) },
          { weight: 2, arbitrary: fc.constantFrom(...names).map((n) => n.toLowerCase()) },
          { weight: 1, arbitrary: fc.constantFrom('INVALID', '', ' EASY', 'true', 'null', 'NaN', 0) },
        );
  } else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const record = fc.record(
      Object.fromEntries(
        fields.map((f) => [f.name, depth > 3 ? anything : valueFor(f.type, ids, wellTyped, depth + 1)]),
      ),
      { requiredKeys: wellTyped ? fields.filter((f) => isNonNullType(f.type)).map((f) => f.name) : [] },
    );
    typed = wellTyped
      ? record
      : fc.oneof(
          { weight: 6, arbitrary: record },
          {
            weight: 1,
            arbitrary: fc
              .tuple(record, fc.constantFrom('unknownField', '__proto__', 'constructor', ''), anything)
              .map(([r, k, v]) => ({ ...r, [k]: v })),
          },
        );
  } else if (wellTyped) {
    typed = wellTypedScalar(type.name, ids);
  } else {
    typed = scalarValue(type.name, ids);
  }
  if (wellTyped) return typed;
  return fc.oneof(
    { weight: 12, arbitrary: typed },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: anything },
  );
}

/** A JS value as a GraphQL literal; `bare` prints names as enum values. */
function literal(value: unknown, bare: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return bare && /^[_A-Za-z]\w*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value))
    return `[${value
      .slice(0, 200)
      .map((v) => literal(v, bare))
      .join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${/^[_A-Za-z]\w*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v, bare)}`).join(', ')}}`;
}

// --- documents ----------------------------------------------------------------

const SHAPES = [
  'normal',
  'normal',
  'normal',
  'normal',
  'normal',
  'aliases',
  'deep',
  'unknown',
  'syntax',
  'syntax',
  'directives',
  'fragments',
  'wrongOp',
  'operations',
] as const;
type Shape = (typeof SHAPES)[number];
const WRONG_VARIABLE_TYPES = [
  'String',
  'Int',
  'ID',
  'ID!',
  'Boolean!',
  '[ID!]!',
  'DateTime',
  'JSON',
  'Float',
  'NoSuchType',
  'CreateSlotInput',
  'Difficulty',
];

const OUTPUT_ARG_VALUES = [
  0,
  -1,
  1,
  3,
  101,
  2 ** 31,
  '"x"',
  '"0"',
  '"99999999999999999999"',
  'null',
  'true',
  '[1]',
  '"00000000-0000-0000-0000-000000000000"',
];

function outputArgs(field: GraphQLField<unknown, unknown>, r: Rng): string {
  if (!field.args.length || r.chance(0.5)) return '';
  const chosen = field.args.filter(() => r.chance(0.6));
  return chosen.length ? `(${chosen.map((a) => `${a.name}: ${r.pick(OUTPUT_ARG_VALUES)}`).join(', ')})` : '';
}

/** A random selection set for `type`: some leaves, some nested objects, now and then an unknown field. */
function selection(type: GraphQLOutputType, r: Rng, depth: number, unknown: boolean): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const fields = Object.values(named.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const parts = new Set<string>();
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const f = r.pick(fields);
    const isLeaf = isLeafType(getNamedType(f.type));
    if (isLeaf) parts.add(f.name);
    else if (depth < 3) parts.add(`${f.name}${outputArgs(f, r)} ${selection(f.type, r, depth + 1, false)}`);
  }
  if (unknown)
    parts.add(
      r.pick(['shoeSize', 'password', 'passwordHash', '__proto__', 'id(bogus: 1)', '__schema { types { name } }']),
    );
  if (!parts.size) parts.add('__typename');
  return `{ ${[...parts].join(' ')} }`;
}

/** A path through object fields as deep as the schema allows, past the depth limit of 12 when it can. */
function deepSelection(type: GraphQLOutputType, r: Rng, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named) || depth > 20) return isObjectType(named) ? '{ __typename }' : '';
  const objects = Object.values(named.getFields()).filter(
    (f) => isObjectType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)),
  );
  if (!objects.length) return '{ __typename }';
  const f = r.pick(objects);
  return `{ __typename ${f.name} ${deepSelection(f.type, r, depth + 1)} }`;
}

interface Rendered {
  query: string;
  variables: unknown;
  operationName?: string;
}

function render(op: RootField, args: Record<string, unknown>, shape: Shape, r: Rng): Rendered {
  const { field, opType } = op;
  const variables: Record<string, unknown> = {};
  const decls: string[] = [];
  const argText: string[] = [];
  for (const arg of field.args) {
    if (!(arg.name in args) && r.chance(0.5)) continue;
    const value = args[arg.name];
    if (r.chance(0.3)) {
      argText.push(`${arg.name}: ${literal(value, isEnumType(getNamedType(arg.type)) && r.chance(0.8))}`);
    } else {
      const declared = r.chance(0.12) ? r.pick(WRONG_VARIABLE_TYPES) : String(arg.type);
      decls.push(`$${arg.name}: ${declared}`);
      argText.push(`${arg.name}: $${arg.name}`);
      if (value !== undefined) variables[arg.name] = value;
    }
  }
  if (shape === 'unknown' && r.chance(0.5)) argText.push(`bogus: ${r.pick(OUTPUT_ARG_VALUES)}`);
  const call = `${field.name}${argText.length ? `(${argText.join(', ')})` : ''}`;
  let sel = shape === 'deep' ? deepSelection(field.type, r) : selection(field.type, r, 0, shape === 'unknown');
  let directives = '';
  if (shape === 'directives') {
    directives = r.pick([
      ' @skip(if: false)'.repeat(25),
      ' @include(if: true) @skip(if: false)',
      ' @deprecated',
      ' @nosuch',
      ' @include(if: "yes")',
      ' @skip',
    ]);
  }
  let fragments = '';
  if (shape === 'fragments' && sel) {
    const typeName = getNamedType(field.type).name;
    fragments = r.pick([
      `fragment F on ${typeName} { ...G } fragment G on ${typeName} { ...F }`,
      `fragment F on Query { __typename }`,
      `fragment F on ${typeName} ${sel}`,
      `fragment F on NoSuchType { id }`,
    ]);
    sel = `{ ...F }`;
  }
  const head = `${shape === 'wrongOp' ? r.pick(['query', 'mutation', 'subscription'].filter((t) => t !== opType)) : opType} Fuzz${decls.length ? `(${decls.join(', ')})` : ''}`;
  let body: string;
  if (shape === 'aliases') {
    const n = r.pick([2, 3, 15, 16, 40]);
    body = Array.from({ length: n }, (_, i) => `a${i}: ${call}${directives} ${sel}`).join(' ');
  } else {
    body = `${call}${directives} ${sel}`;
  }
  let query = `${head} { ${body} } ${fragments}`;
  let operationName: string | undefined;
  if (shape === 'operations') {
    query = r.pick([`${query} ${opType} { __typename }`, `${query} ${head} { __typename }`, query]);
    operationName = r.pick([undefined, 'Fuzz', 'NoSuchOperation', '']);
  }
  if (shape === 'syntax') query = corrupt(query, r);
  return {
    query,
    variables: r.chance(0.05) ? r.pick(['x', [1], 5, null]) : variables,
    ...(operationName !== undefined ? { operationName } : {}),
  };
}

/** Breaks the document's syntax the ways people and proxies do. */
function corrupt(query: string, r: Rng): string {
  const at = r.int(query.length);
  switch (r.int(8)) {
    case 0:
      return query.slice(0, at);
    case 1:
      return (
        query.slice(0, at) +
        r.pick(['{', '}', '(', ')', '$', '"', '"""', '@', '...', ':', '!', '#', '\\']) +
        query.slice(at)
      );
    case 2:
      return query.slice(0, at) + query.slice(at + 1 + r.int(5));
    case 3:
      return query.replace(/\{/g, '(');
    case 4:
      return `${query} }`;
    case 5:
      return query.slice(0, at) + '\u0000\uFEFF\u200B' + query.slice(at);
    case 6:
      return '{'.repeat(5_000) + '}'.repeat(5_000);
    default:
      return `"${query}`;
  }
}

// --- identities -----------------------------------------------------------------

const IDENTITIES = ['anon', 'a', 'b', 'c', 'admin', 'victim', 'garbage'] as const;
type Identity = (typeof IDENTITIES)[number];
/** Sessions the fuzzer may revoke (logout, reset); the others stay signed in. */
const REVOCABLE = new Set(['logout', 'resetPassword']);

// --- cases ------------------------------------------------------------------------

interface OpCase {
  kind: 'op';
  op: RootField;
  rendered: Rendered;
  transport: 'post' | 'get' | 'ws';
  identity: Identity;
  ip: string;
}
interface RawHttpCase {
  kind: 'raw-http';
  method: string;
  path: string;
  body: string | null;
  contentType: string | null;
  identity: Identity;
  ip: string;
}
interface RawWsCase {
  kind: 'raw-ws';
  protocol: string | null;
  messages: (string | Buffer)[];
}
type Case = OpCase | RawHttpCase | RawWsCase;

const ip = fc
  .tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }))
  .map(([x, y]) => `10.77.${x}.${y}`);

/** `wellTypedOnly`: every case is well-typed in the plain shape (the share that must reach the resolver). */
function opCaseArb(op: RootField, ids: readonly string[], wellTypedOnly = false): fc.Arbitrary<OpCase> {
  const argsFor = (wellTyped: boolean) =>
    fc.record(Object.fromEntries(op.field.args.map((a) => [a.name, valueFor(a.type, ids, wellTyped)])), {
      requiredKeys: wellTyped ? op.field.args.filter((a) => isNonNullType(a.type)).map((a) => a.name) : [],
    });
  // A third of the cases are well-typed, in the plain shape, so they reach the resolvers and real rows.
  const wellTyped = fc.tuple(argsFor(true), fc.constant<Shape>('normal'));
  const argsAndShape = wellTypedOnly
    ? wellTyped
    : fc.oneof(
        { weight: 2, arbitrary: fc.tuple(argsFor(false), fc.constantFrom(...SHAPES)) },
        { weight: 1, arbitrary: wellTyped },
      );
  const transports = wellTypedOnly
    ? fc.constant(op.opType === 'subscription' ? ('ws' as const) : ('post' as const))
    : op.opType === 'subscription'
      ? fc.oneof(
          { weight: 4, arbitrary: fc.constant('ws' as const) },
          { weight: 1, arbitrary: fc.constant('post' as const) },
        )
      : fc.oneof(
          { weight: 14, arbitrary: fc.constant('post' as const) },
          { weight: 5, arbitrary: fc.constant('ws' as const) },
          { weight: 1, arbitrary: fc.constant('get' as const) },
        );
  return fc
    .record({ argsAndShape, seed: fc.integer(), transport: transports, identity: fc.constantFrom(...IDENTITIES), ip })
    .map(({ argsAndShape: [args, shape], seed, transport, identity, ip }) => ({
      kind: 'op' as const,
      op,
      rendered: render(op, args as Record<string, unknown>, shape, rng(seed)),
      transport,
      identity: REVOCABLE.has(op.field.name) && identity !== 'anon' && identity !== 'garbage' ? 'victim' : identity,
      ip,
    }));
}

// prettier-ignore
const RAW_BODIES = [
  'not json', '{"query":', '[]', '[{"query":"{ me { id } }"}]', '{"query": 1}', '{"query": null}', '{}', 'null', '"{ me { id } }"', '5',
  '{"query":"{ me { id } }","variables":"x"}', '{"query":"{ me { id } }","variables":[1]}', '{"query":"{ me { id } }","extensions":5}',
  '{"query":"{ me { id } }","operationName":7}', '{"query":"{ me { id } }","query":"{ __typename }"}', '\u0000\u0001\u0002',
  '{"query":"\\ud800"}', `{"query":"{ me { id } }","variables":${JSON.stringify({ x: MB })}}`, '['.repeat(50_000), `{"query":"${'{'.repeat(20_000)}"}`,
  '{"query":"mutation { logout }"}', 'query=%7B%20me%20%7B%20id%20%7D%20%7D', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{bad\r\n--x--',
  '{ me { id } }', '\uFEFF{"query":"{ me { id } }"}',
];
// prettier-ignore
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/graphql',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'multipart/form-data', 'application/xml', '*/*', '', null,
];
// prettier-ignore
const RAW_PATHS = [
  '/graphql', '/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D', '/graphql?query=%E0%A4%A', '/graphql?query={me{id}}&variables={bad',
  '/graphql?query={me{id}}&variables=[1]', '/graphql?query=mutation{logout}', '/graphql?query=subscription{matchFound{type}}',
  '/graphql?query=&variables=', '/graphql?extensions=5&query={__typename}', '/graphql?query={__typename}&operationName=Nope', '/graphql/../graphql',
];

const rawHttpArb: fc.Arbitrary<RawHttpCase> = fc
  .record({
    kind: fc.constant('raw-http' as const),
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    path: fc.constantFrom(...RAW_PATHS),
    body: fc.oneof(fc.constantFrom(...RAW_BODIES), fc.string({ unit: 'binary', maxLength: 80 }), fc.constant(null)),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    identity: fc.constantFrom(...IDENTITIES),
    ip,
  })
  .map((c) =>
    `${c.path} ${c.body}`.includes('logout') && c.identity !== 'anon' ? { ...c, identity: 'victim' as const } : c,
  );

// prettier-ignore
const WS_MESSAGES: (string | Buffer)[] = [
  'not json', '{}', '[]', 'null', '5', '{"type":5}', '{"type":"nope"}', '{"type":"connection_init"}', '{"type":"connection_init","payload":"x"}',
  '{"type":"connection_init","payload":{"authorization":5}}', '{"type":"connection_init","payload":{"authorization":{"a":1}}}',
  '{"type":"connection_init","payload":{"authorization":"Bearer garbage"}}', '{"type":"connection_init","payload":{"authorization":["Bearer x"]}}',
  '{"type":"connection_init","payload":{}}', '{"type":"connection_init","payload":null}', '{"type":"subscribe"}', '{"type":"subscribe","id":"1"}',
  '{"type":"subscribe","id":"1","payload":{}}', '{"type":"subscribe","id":"1","payload":{"query":5}}', '{"type":"subscribe","id":"1","payload":"x"}',
  '{"type":"subscribe","id":"1","payload":{"query":"{ me { id } }","variables":"x"}}', '{"type":"subscribe","id":"1","payload":{"query":"{ me { id } }","variables":[1]}}',
  '{"type":"subscribe","id":"2","payload":{"query":"subscription { matchFound { type } }"}}', '{"type":"subscribe","id":"2","payload":{"query":"subscription { events(after: \\"x\\") { id } }"}}',
  '{"type":"subscribe","id":"3","payload":{"query":"{ __typename }","extensions":5}}', '{"type":"subscribe","id":"4","payload":{"query":"{ me { id ","operationName":5}}',
  `{"type":"subscribe","id":"${'i'.repeat(10_000)}","payload":{"query":"{ __typename }"}}`, '{"type":"subscribe","id":5,"payload":{"query":"{ __typename }"}}',
  '{"type":"complete","id":"nope"}', '{"type":"complete"}', '{"type":"ping"}', '{"type":"ping","payload":5}', '{"type":"pong","payload":{}}',
  '{"type":"next","id":"1","payload":{}}', '{"type":"error","id":"1","payload":[]}', '{"type":"connection_ack"}', Buffer.from([0, 1, 2, 255]),
  `{"type":"subscribe","id":"9","payload":{"query":"{ __typename }","variables":{"x":"${MB}"}}}`, '{"type":"connection_init","payload":{"authorization":"Bearer garbage"},"extra":1}',
];
const VALID_INIT = '{"type":"connection_init","payload":{}}';

const rawWsArb: fc.Arbitrary<RawWsCase> = fc.record({
  kind: fc.constant('raw-ws' as const),
  protocol: fc.constantFrom(
    'graphql-transport-ws',
    'graphql-transport-ws',
    'graphql-transport-ws',
    'graphql-ws',
    'nope',
    null,
  ),
  messages: fc
    .tuple(fc.boolean(), fc.array(fc.constantFrom(...WS_MESSAGES), { minLength: 1, maxLength: 5 }))
    .map(([init, msgs]) => (init ? [VALID_INIT, ...msgs] : msgs)),
});

/** Deterministic from the seed: every root field gets its share, raw cases fill the rest, shuffled. */
function generateCases(ids: readonly string[]): Case[] {
  const rawHttp = Math.ceil(RUNS * 0.07);
  const rawWs = Math.ceil(RUNS * 0.04);
  const perOp = Math.max(WELL_TYPED_PER_OP + 1, Math.ceil((RUNS - rawHttp - rawWs) / ROOT_FIELDS.length));
  const cases: Case[] = [
    // Each root field's first few cases are well-typed, so each surely reaches its resolver; the rest are anything.
    ...ROOT_FIELDS.flatMap((op, i) => [
      ...fc.sample(opCaseArb(op, ids, true), { seed: SEED + i, numRuns: WELL_TYPED_PER_OP }),
      ...fc.sample(opCaseArb(op, ids), { seed: SEED + i, numRuns: perOp - WELL_TYPED_PER_OP }),
    ]),
    ...fc.sample(rawHttpArb, { seed: SEED - 1, numRuns: rawHttp }),
    ...fc.sample(rawWsArb, { seed: SEED - 2, numRuns: rawWs }),
  ];
  const r = rng(SEED);
  for (let i = cases.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  return cases;
}

// --- checking responses --------------------------------------------------------------

interface Failure {
  problem: string;
  where: string;
}

function describeCase(c: Case): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  if (c.kind === 'op') {
    return `${c.transport.toUpperCase()} ${c.op.key} as ${c.identity}\n    query: ${cut(c.rendered.query)}\n    variables: ${cut(JSON.stringify(c.rendered.variables) ?? 'undefined')}${c.rendered.operationName !== undefined ? `\n    operationName: ${c.rendered.operationName}` : ''}`;
  }
  if (c.kind === 'raw-http')
    return `raw ${c.method} ${c.path} content-type=${c.contentType} as ${c.identity}\n    body: ${cut(JSON.stringify(c.body))}`;
  return `raw ws protocol=${c.protocol}\n    messages: ${cut(JSON.stringify(c.messages.map(String)))}`;
}

function leaks(text: string): string[] {
  const unquoted = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return LEAKS.filter(([, re]) => re.test(unquoted)).map(([name]) => name);
}

/** Problems with a list of GraphQL errors, however they arrived. */
function errorProblems(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [`errors is not a list: ${JSON.stringify(errors)?.slice(0, 200)}`];
  const problems: string[] = [];
  for (const e of errors as { message?: unknown; extensions?: Record<string, unknown> }[]) {
    const code = e?.extensions?.['code'];
    const message = typeof e?.message === 'string' ? e.message : '';
    if (typeof e?.message !== 'string') problems.push(`error without a message: ${JSON.stringify(e).slice(0, 200)}`);
    if (code === 'INTERNAL_SERVER_ERROR') problems.push(`INTERNAL_SERVER_ERROR: ${message}`);
    else if (typeof code !== 'string' || !CODES.has(code))
      problems.push(`error code ${JSON.stringify(code)} not in docs/api.md: ${message.slice(0, 200)}`);
    for (const leak of leaks(`${message} ${JSON.stringify(e?.extensions ?? {})}`))
      problems.push(`${leak} leaked: ${message.slice(0, 300)}`);
  }
  return problems;
}

function httpProblems(status: number, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`HTTP ${status}`);
  let body: { data?: unknown; errors?: unknown } | null = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    problems.push(`HTTP ${status} body is not JSON: ${text.slice(0, 200)}`);
  }
  if (body && typeof body === 'object' && 'errors' in body) problems.push(...errorProblems(body.errors));
  else if (status >= 400 && !(status === 405 || status === 404))
    problems.push(`HTTP ${status} without errors: ${text.slice(0, 200)}`);
  for (const leak of leaks(text.length > 5_000 ? text.slice(0, 5_000) : text))
    if (!problems.some((p) => p.startsWith(leak))) problems.push(`${leak} leaked in body`);
  return problems;
}

// --- the run ------------------------------------------------------------------------------

let stack: Awaited<ReturnType<typeof startTestStack>>;
const ADMIN_EMAIL = `fuzz-admin-${Date.now()}@example.com`;
const users = {} as Record<'a' | 'b' | 'c' | 'e' | 'f' | 'admin' | 'victim', TestUser>;
const sockets: WsConnection[] = [];
let tokens: Record<Identity, string | null>;
let ids: string[];

async function post(query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fuzzed response can have any shape
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(`setup: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** Opens a socket for `user` and resolves once the server admitted it. */
async function online(user: TestUser): Promise<WsConnection> {
  const conn = connectWs(stack.wsUrl, user.token);
  sockets.push(conn);
  return admitted(conn);
}

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: ADMIN_EMAIL });
  users.admin = await registerAdmin(stack.url, stack.db.url, ADMIN_EMAIL);
  for (const name of ['a', 'b', 'c', 'e', 'f', 'victim'] as const)
    users[name] = await registerUser(stack.url, `fuzz${name}`);
  // Real rows for valid-looking ids: an interview in progress with chat and
  // feedback, a scheduled one, a plain booking, a pending instant request.
  const live = await matchPair(stack.url, users.admin, users.a, users.b);
  await post('mutation($id: ID!) { startInterview(interviewId: $id) { id } }', { id: live.interviewId }, users.a.token);
  await post(
    'mutation($id: ID!) { sendMessage(interviewId: $id, body: "hello") { id } }',
    { id: live.interviewId },
    users.a.token,
  );
  await post(
    'mutation($id: ID!) { submitFeedback(input: { interviewId: $id, communication: 4, goodMatch: 5 }) { id } }',
    { id: live.interviewId },
    users.b.token,
  );
  await matchPair(stack.url, users.admin, users.c, users.e);
  const later = await createSlot(stack.url, users.admin, 180);
  await book(stack.url, users.c, later.id, 'HARD');
  await online(users.f);
  await post('mutation { setAvailability(availability: AVAILABLE) { id } }', {}, users.f.token);
  await post(
    'mutation($peer: ID!) { requestInstantInterview(input: { peerId: $peer, type: TECHNICAL, difficulty: EASY }) { id } }',
    { peer: users.f.id },
    users.a.token,
  );
  const rows = await stack.db.query<{ id: string }>(
    `SELECT id::text FROM "User" UNION ALL SELECT id::text FROM "Slot" UNION ALL SELECT id::text FROM "Booking"
     UNION ALL SELECT id::text FROM "Interview" UNION ALL SELECT id::text FROM "Message" UNION ALL SELECT id::text FROM "Feedback"
     UNION ALL SELECT id::text FROM "InstantRequest"`,
  );
  ids = rows.map((r) => r.id);
  const tampered = `${users.a.token.slice(0, -2)}xx`;
  tokens = {
    anon: null,
    a: users.a.token,
    b: users.b.token,
    c: users.c.token,
    admin: users.admin.token,
    victim: users.victim.token,
    garbage: tampered,
  };
}, 60_000);

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack?.close();
});

/** Shared sockets per identity; a fresh one for those whose session may die or never lives. */
const shared = new Map<Identity, WsConnection>();
let sharedClosures: string[] = [];
function socketFor(identity: Identity): { conn: WsConnection; fresh: boolean } {
  if (identity === 'victim' || identity === 'garbage') {
    const conn = connectWs(stack.wsUrl, tokens[identity]);
    return { conn, fresh: true };
  }
  let conn = shared.get(identity);
  if (!conn) {
    conn = connectWs(stack.wsUrl, tokens[identity]);
    const c = conn;
    sockets.push(c);
    void c.closed.then((e) => {
      if (shared.get(identity) !== c) return;
      shared.delete(identity);
      // 1000 is graphql-ws's client releasing the socket itself (its lock count races
      // an unsubscribe against a server's error); the next case reconnects.
      if (e.code !== CLIENT_RELEASE) sharedClosures.push(`${identity}'s socket closed ${e.code} ${e.reason}`);
    });
    shared.set(identity, conn);
  }
  return { conn, fresh: false };
}

const CLIENT_RELEASE = 1000;
/** Close codes a client's own mistakes may earn (graphql-ws's, ours, and ws's for protocol errors). */
const CLIENT_CLOSE_CODES = new Set([
  1000, 1001, 1002, 1005, 1006, 1007, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429,
]);

async function runOp(c: OpCase): Promise<string[]> {
  const token = tokens[c.identity];
  const { query, variables, operationName } = c.rendered;
  if (c.transport === 'ws') return runWsOp(c);
  const headers: Record<string, string> = {
    'x-forwarded-for': c.ip,
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers['authorization'] = `Bearer ${token}`;
  let res: Response;
  if (c.transport === 'get') {
    const params = new URLSearchParams({ query });
    if (variables !== undefined) params.set('variables', JSON.stringify(variables));
    if (operationName !== undefined) params.set('operationName', operationName);
    res = await fetch(`${stack.url}?${params}`, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } else {
    headers['content-type'] = 'application/json';
    res = await fetch(stack.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }
  const text = await res.text();
  try {
    noteReached(c, JSON.parse(text));
  } catch {
    // httpProblems reports a body that is not JSON.
  }
  return httpProblems(res.status, text);
}

/** Cases per operation that got past validation into its resolver: data, or an error with a path. */
const reached = new Map<string, number>();
function noteReached(c: OpCase, result: unknown) {
  const r = result as { data?: Record<string, unknown> | null; errors?: { path?: unknown }[] } | null;
  const hasData = !!r?.data && Object.values(r.data).some((v) => v !== null);
  if (hasData || r?.errors?.some((e) => Array.isArray(e.path)) || result === 'live')
    reached.set(c.op.key, (reached.get(c.op.key) ?? 0) + 1);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function runWsOp(c: OpCase): Promise<string[]> {
  const { query, variables, operationName } = c.rendered;
  // A message over WS_MAX_MESSAGE_BYTES closes its socket with 1009 by design: it gets a socket of its own.
  const size = Buffer.byteLength(
    JSON.stringify({
      id: '00000000-0000-4000-8000-000000000000',
      type: 'subscribe',
      payload: { query, variables, operationName },
    }),
  );
  const oversized = size > stack.app.infra.config.limits.wsMaxMessageBytes - 64;
  const { conn, fresh } = oversized
    ? { conn: connectWs(stack.wsUrl, tokens[c.identity]), fresh: true }
    : socketFor(c.identity);
  const isSubscription = c.op.opType === 'subscription';
  const problems: string[] = [];
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(
      () => {
        if (!isSubscription) problems.push(`no answer over WebSocket within ${REQUEST_TIMEOUT_MS} ms`);
        else noteReached(c, 'live');
        finish();
      },
      isSubscription ? LIVE_SUBSCRIPTION_MS : REQUEST_TIMEOUT_MS,
    );
    const unsubscribe = conn.client.subscribe(
      // graphql-ws refuses non-object variables before sending; the raw socket cases send those.
      {
        query,
        variables: isRecord(variables) ? variables : {},
        ...(operationName !== undefined ? { operationName } : {}),
      },
      {
        next: (r) => {
          noteReached(c, r);
          if (r.errors) problems.push(...errorProblems(r.errors));
          if (!isSubscription) return;
          finish();
        },
        error: (e) => {
          if (Array.isArray(e)) {
            noteReached(c, { errors: e });
            problems.push(...errorProblems(e));
          } else {
            const { code, reason } = e as { code?: number; reason?: string };
            if (typeof code !== 'number' || !CLIENT_CLOSE_CODES.has(code))
              problems.push(`socket closed ${code} ${reason ?? String(e)}`);
            else if (!fresh && code !== CLIENT_RELEASE) problems.push(`shared socket closed ${code} ${reason}`);
          }
          finish();
        },
        complete: finish,
      },
    );
  });
  // Disposing a client whose socket was refused (a revoked token) rethrows that close; it was checked above.
  if (fresh) await conn.dispose().catch(() => {});
  return problems;
}

async function runRawHttp(c: RawHttpCase): Promise<string[]> {
  const headers: Record<string, string> = { 'x-forwarded-for': c.ip };
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  const token = tokens[c.identity];
  if (token) headers['authorization'] = `Bearer ${token}`;
  const withBody = c.method !== 'GET' && c.method !== 'OPTIONS' && c.body !== null;
  const res = await fetch(`${stack.url.replace(/\/graphql$/, '')}${c.path}`, {
    method: c.method,
    headers,
    ...(withBody ? { body: c.body } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  // A preflight or a method the endpoint refuses may answer without a GraphQL body.
  if ((c.method === 'OPTIONS' || res.status === 405) && res.status < 500)
    return leaks(text).map((l) => `${l} leaked in body`);
  return httpProblems(res.status, text);
}

/** Raw protocol messages; the server may close the socket, but only with a client's code, and must answer a ping otherwise. */
async function runRawWs(c: RawWsCase): Promise<string[]> {
  const problems: string[] = [];
  const ws = c.protocol ? new WebSocket(stack.wsUrl, c.protocol) : new WebSocket(stack.wsUrl);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      problems.push('neither pong nor close within 10 s');
      ws.terminate();
    }, 10_000);
    ws.on('open', () => {
      for (const m of c.messages) ws.send(m);
      ws.send('{"type":"ping"}');
    });
    ws.on('message', (data) => {
      let msg: { type?: string; payload?: unknown };
      try {
        msg = JSON.parse((data as Buffer).toString()) as typeof msg;
      } catch {
        problems.push(`server sent non-JSON: ${(data as Buffer).toString().slice(0, 100)}`);
        return;
      }
      if (msg.type === 'error') problems.push(...errorProblems(msg.payload));
      if (msg.type === 'next') {
        const errors = (msg.payload as { errors?: unknown } | undefined)?.errors;
        if (errors) problems.push(...errorProblems(errors));
      }
      if (msg.type === 'pong') ws.close(1000);
    });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      if ((res.statusCode ?? 0) >= 500) problems.push(`upgrade answered ${res.statusCode}`);
      clearTimeout(timer);
      resolve();
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (!CLIENT_CLOSE_CODES.has(code)) problems.push(`closed ${code} ${String(reason)}`);
      for (const l of leaks(String(reason))) problems.push(`${l} leaked in close reason`);
      resolve();
    });
  });
  return problems;
}

async function runCase(c: Case): Promise<string[]> {
  try {
    if (c.kind === 'op') return await runOp(c);
    if (c.kind === 'raw-http') return await runRawHttp(c);
    return await runRawWs(c);
  } catch (err) {
    return [`request failed: ${(err as Error).message} ${(err as { cause?: Error }).cause?.message ?? ''}`];
  }
}

it(`survives ${RUNS} fuzzed documents on every operation with coded errors only (FUZZ_SEED=${SEED})`, async () => {
  const cases = generateCases(ids);
  const failures: Failure[] = [];
  const perOp = new Map<string, number>();
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      if (c.kind === 'op') perOp.set(c.op.key, (perOp.get(c.op.key) ?? 0) + 1);
      const problems = await runCase(c);
      sent++;
      for (const problem of problems) failures.push({ problem, where: `#${index} ${describeCase(c)}` });
    }
  };
  // graphql-ws reports its own failures (then closes 4500) on console.error.
  const consoleErrors: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void consoleErrors.push(args.map(String).join(' '));
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    console.error = consoleError;
  }
  for (const e of consoleErrors)
    failures.push({ problem: `server logged on console: ${e.slice(0, 300)}`, where: 'console.error' });
  for (const closure of sharedClosures) failures.push({ problem: closure, where: 'shared socket' });
  sharedClosures = [];

  const reachedTotal = [...reached.values()].reduce((a, b) => a + b, 0);
  console.info(
    `fuzz: ${sent} cases (FUZZ_SEED=${SEED}), ${reachedTotal} reached a resolver; failures: ${failures.length}`,
  );
  if (failures.length) {
    // One line per distinct problem, with the first case that hit it.
    const byProblem = new Map<string, { where: string; count: number }>();
    for (const f of failures) {
      const key = f.problem.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').slice(0, 160);
      const seen = byProblem.get(key);
      if (seen) seen.count++;
      else byProblem.set(key, { where: f.where, count: 1 });
    }
    const report = [...byProblem].slice(0, 40).map(([p, { where, count }]) => `- ${p} (×${count})\n  first: ${where}`);
    throw new Error(
      `${failures.length} fuzz failures; reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${report.join('\n')}`,
    );
  }
  expect(sent).toBeGreaterThanOrEqual(1_000);
  expect(sent).toBe(cases.length);
  // Every mutation, subscription and query of the schema got its share.
  expect(ROOT_FIELDS.filter((op) => (perOp.get(op.key) ?? 0) < 20).map((op) => op.key)).toEqual([]);
  // And each reached its resolver, not only the validation in front of it.
  expect(ROOT_FIELDS.filter((op) => !reached.get(op.key)).map((op) => op.key)).toEqual([]);
}, 180_000);

it('fuzzes every Mutation and Subscription field of the schema, none left out', () => {
  const fuzzed = new Set(ROOT_FIELDS.map((op) => op.key));
  const all = [
    ...Object.keys(schema.getMutationType()!.getFields()).map((n) => `mutation.${n}`),
    ...Object.keys(schema.getSubscriptionType()!.getFields()).map((n) => `subscription.${n}`),
  ];
  expect(all.filter((k) => !fuzzed.has(k))).toEqual([]);
  expect(all.length).toBeGreaterThan(25);
});

it('afterwards serves signed-in users over HTTP and WebSocket, and the data is consistent', async () => {
  const health = await fetch(stack.url.replace(/\/graphql$/, '/health'));
  expect(health.status).toBe(200);

  const fresh = await registerUser(stack.url, 'afterfuzz');
  expect(await post('{ me { id name } }', {}, fresh.token)).toEqual({ me: { id: fresh.id, name: 'afterfuzz' } });
  const mine = await post('{ myBookings { id slot { id } } }', {}, users.a.token);
  expect((mine['myBookings'] as unknown[]).length).toBeGreaterThan(0);

  // A live event still reaches a subscriber (replayed from 0, so subscribing first cannot race it).
  const conn = await online(fresh);
  const availability = new Promise<unknown>((resolve, reject) => {
    conn.client.subscribe<{ events: { type: string } }>(
      { query: 'subscription { events(after: "0") { type payload } }' },
      {
        next: (r) => r.data?.events.type === 'AVAILABILITY_CHANGED' && resolve(r.data.events),
        error: reject,
        complete: () => {},
      },
    );
  });
  await post('mutation { setAvailability(availability: BUSY) { id } }', {}, fresh.token);
  expect(await availability).toEqual({ type: 'AVAILABILITY_CHANGED', payload: expect.anything() });

  const db = stack.db;
  expect(
    await db.query(
      `SELECT "bookingId" FROM "InterviewParticipant" WHERE "bookingId" IS NOT NULL GROUP BY 1 HAVING count(*) > 1`,
    ),
  ).toEqual([]);
  expect(await db.query(`SELECT "interviewId" FROM "InterviewParticipant" GROUP BY 1 HAVING count(*) <> 2`)).toEqual(
    [],
  );
  expect(
    await db.query(
      `SELECT id FROM "Interview" i WHERE NOT EXISTS (SELECT 1 FROM "InterviewParticipant" p WHERE p."interviewId" = i.id)`,
    ),
  ).toEqual([]);
  // A MATCHED booking belongs to a live interview it is a participant of.
  expect(
    await db.query(
      `SELECT b.id FROM "Booking" b LEFT JOIN "InterviewParticipant" p ON p."bookingId" = b.id LEFT JOIN "Interview" i ON i.id = p."interviewId"
       WHERE b.status = 'MATCHED' AND (p."bookingId" IS NULL OR i.status = 'CANCELLED' OR b."interviewId" IS DISTINCT FROM i.id)`,
    ),
  ).toEqual([]);
  expect(
    await db.query(
      `SELECT id FROM "Message" WHERE "deletedAt" IS NULL AND (length(btrim(body)) = 0 OR length(body) > 4000)`,
    ),
  ).toEqual([]);
  expect(
    await db.query(
      `SELECT id FROM "Feedback" WHERE communication NOT BETWEEN 1 AND 5 OR "goodMatch" NOT BETWEEN 1 AND 5
       OR technical NOT BETWEEN 1 AND 5 OR "problemSolving" NOT BETWEEN 1 AND 5 OR length(strengths) > 2000 OR length(improvements) > 2000`,
    ),
  ).toEqual([]);
  expect(await db.query(`SELECT id FROM "Slot" WHERE "endsAt" <= "startsAt"`)).toEqual([]);
  expect(await db.query(`SELECT "slotId", "userId" FROM "Booking" GROUP BY 1, 2 HAVING count(*) > 1`)).toEqual([]);
  // Per-user event cursors are 1, 2, 3… without holes.
  expect(await db.query(`SELECT "userId" FROM "Event" GROUP BY 1 HAVING max(seq) <> count(*)`)).toEqual([]);
});
