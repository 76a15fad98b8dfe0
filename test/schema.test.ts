// The schema clients see: the checked-in schema.graphql is what the code
// builds, and every name of the contract (docs/api.md) holds.
import fs from 'node:fs';
import {
  Kind,
  isEnumType,
  isInputObjectType,
  isObjectType,
  isUnionType,
  parse,
  print,
  type DefinitionNode,
  type FieldDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type InputValueDefinitionNode,
} from 'graphql';
import { ERROR_CODES } from '../src/domain/errors.js';
import { schema } from '../src/schema/index.js';
import { SCHEMA_FILE, printSchemaFile } from '../src/schema/print.js';

/**
 * The contract, docs/api.md: every ```graphql block of every section is checked.
 * Blocks are SDL as the document writes it: `type`/`input`/`enum` blocks (the
 * fields and values listed must exist with exactly these types; more are
 * allowed) and `Type.field(args): T` lines (the field, every listed argument and
 * the return type must match). A section added to the document is checked
 * without touching this file.
 */
const CONTRACT_FILE = new URL('../docs/api.md', import.meta.url);
const contractText = fs.readFileSync(CONTRACT_FILE, 'utf8');

/** `## Heading` → the text of its ```graphql blocks, for sections that have any. */
function contractSections(markdown: string): Record<string, string> {
  const sections: Record<string, string> = {};
  for (const part of markdown.split(/^## /m).slice(1)) {
    const heading = part.slice(0, part.indexOf('\n')).trim();
    const blocks = [...part.matchAll(/^```graphql\n([\s\S]*?)^```/gm)].map((m) => m[1]);
    if (blocks.length) sections[heading] = blocks.join('\n');
  }
  return sections;
}

const CONTRACT = contractSections(contractText);

/**
 * Names the schema does not match yet, each with who fixes it. A gap that gets
 * fixed fails the last test below, so this list only ever shrinks.
 */
const KNOWN_GAPS: Record<string, string> = {};

/** The codes in the first column of the Errors section's table, in order. */
const CONTRACT_ERROR_CODES = [
  ...(/^## Errors\n([\s\S]*?)^## /m.exec(contractText)?.[1] ?? '').matchAll(/^\| `(\w+)` \|/gm),
].map((m) => m[1]);

/** Turns `Type.field(args): T` lines into `extend type Type { field(args): T }` so graphql-js parses the whole section. */
function parseContract(text: string): readonly DefinitionNode[] {
  const sdl = text.replace(
    /^\s*(\w+)\.(\w+.*)$/gm,
    (_line, type: string, field: string) => `extend type ${type} { ${field} }`,
  );
  return parse(sdl).definitions;
}

interface Check {
  what: string;
  expected: string;
  actual: string;
}

function fieldChecks(
  owner: GraphQLNamedType,
  nodes: readonly FieldDefinitionNode[] | readonly InputValueDefinitionNode[],
): Check[] {
  const fields = isObjectType(owner) || isInputObjectType(owner) ? owner.getFields() : {};
  return nodes.flatMap((node): Check[] => {
    const what = `${owner.name}.${node.name.value}`;
    const field = fields[node.name.value] as GraphQLField<unknown, unknown> | undefined;
    const checks: Check[] = [{ what, expected: print(node.type), actual: field ? String(field.type) : '(missing)' }];
    if (node.kind === Kind.FIELD_DEFINITION) {
      for (const arg of node.arguments ?? []) {
        const actual = field?.args?.find((a) => a.name === arg.name.value);
        checks.push({
          what: `${what}(${arg.name.value})`,
          expected: print(arg.type),
          actual: actual ? String(actual.type) : '(missing)',
        });
      }
    }
    return checks;
  });
}

function contractChecks(text: string): Check[] {
  return parseContract(text).flatMap((def): Check[] => {
    if (!('name' in def) || !def.name) throw new Error(`unexpected contract entry: ${print(def)}`);
    const name = def.name.value;
    const type = schema.getType(name);
    if (!type) return [{ what: name, expected: 'a type', actual: '(missing)' }];
    switch (def.kind) {
      case Kind.ENUM_TYPE_DEFINITION: {
        const values = isEnumType(type) ? type.getValues().map((v) => v.name) : [];
        return (def.values ?? []).map((v) => ({
          what: `${name}.${v.name.value}`,
          expected: 'an enum value',
          actual: values.includes(v.name.value) ? 'an enum value' : '(missing)',
        }));
      }
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
        if (!isObjectType(type)) return [{ what: name, expected: 'an object type', actual: type.toString() }];
        return fieldChecks(type, def.fields ?? []);
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        if (!isInputObjectType(type)) return [{ what: name, expected: 'an input type', actual: type.toString() }];
        return fieldChecks(type, def.fields ?? []);
      default:
        throw new Error(`unsupported contract entry kind ${def.kind}`);
    }
  });
}

describe('schema.graphql', () => {
  it('is what src/schema builds', () => {
    const checkedIn = fs.readFileSync(SCHEMA_FILE, 'utf8');
    const built = printSchemaFile();
    if (checkedIn !== built) {
      const a = checkedIn.split('\n');
      const b = built.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      throw new Error(
        `schema.graphql is out of date: run \`npm run schema:print\` and commit it.\n` +
          `First difference at line ${line + 1}:\n  checked in: ${a[line] ?? '(end)'}\n  built:      ${b[line] ?? '(end)'}`,
      );
    }
    expect(checkedIn).toBe(built);
  });
});

describe('the contract, docs/api.md', () => {
  it('has the sections it promises', () => {
    expect(Object.keys(CONTRACT)).toEqual(
      expect.arrayContaining(['Enums', 'Accounts', 'Interviews', "The viewer's event stream"]),
    );
  });

  it.each(Object.entries(CONTRACT))('%s: every name and type holds', (_section, text) => {
    const checks = contractChecks(text);
    expect(checks.length).toBeGreaterThan(0);
    const broken = checks
      .filter((c) => c.expected !== c.actual && !(c.what in KNOWN_GAPS))
      .map((c) => `${c.what}: expected ${c.expected}, is ${c.actual}`);
    expect(broken).toEqual([]);
  });

  it('every known gap is still one (remove it from KNOWN_GAPS once fixed)', () => {
    const all = Object.values(CONTRACT).flatMap(contractChecks);
    const fixed = Object.keys(KNOWN_GAPS).filter((what) => all.some((c) => c.what === what && c.expected === c.actual));
    expect(fixed).toEqual([]);
  });

  it('the contract checker notices a broken name, argument or type', () => {
    const broken = contractChecks(`
      Query.mee: User
      Mutation.login(input: LoginInput, extra: Int): AuthPayload
      enum Role { SUPERUSER }
      input LoginInput { email: Int! }
    `).filter((c) => c.expected !== c.actual);
    expect(broken.map((c) => c.what)).toEqual([
      'Query.mee',
      'Mutation.login',
      'Mutation.login(input)',
      'Mutation.login(extra)',
      'Role.SUPERUSER',
      'LoginInput.email',
    ]);
  });

  it('error codes are exactly those of its Errors section', () => {
    expect([...ERROR_CODES]).toEqual(CONTRACT_ERROR_CODES);
  });
});

describe('event data', () => {
  it('keeps the untyped payload, deprecated with a reason, beside the typed data', () => {
    for (const name of ['UserEvent', 'SessionEvent']) {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      expect(type.getFields()['payload']!.deprecationReason).toMatch(/data/);
      expect(String(type.getFields()['data']!.type)).toBe('EventData');
    }
  });

  it('EventData members are all named …Data, and same-named fields have one type across them', () => {
    const union = schema.getType('EventData');
    if (!isUnionType(union)) throw new Error('EventData is not a union');
    const typeOf = new Map<string, string>();
    for (const member of union.getTypes()) {
      expect(member.name).toMatch(/Data$/);
      for (const field of Object.values(member.getFields())) {
        const seen = typeOf.get(field.name) ?? String(field.type);
        expect(`${member.name}.${field.name}: ${String(field.type)}`).toBe(`${member.name}.${field.name}: ${seen}`);
        typeOf.set(field.name, seen);
      }
    }
  });
});
