// The schema clients see: the checked-in schema.graphql is what the code
// builds, and the contract of API.md holds for every part implemented so far.
import fs from 'node:fs';
import {
  Kind,
  isEnumType,
  isInputObjectType,
  isObjectType,
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
 * API.md's binding names, copied verbatim from it, one entry per implemented
 * section. A feature adds its section here when it lands. Written as API.md
 * writes them: `type`/`input`/`enum` blocks (the fields and values listed must
 * exist with exactly these types; more are allowed) and `Type.field(args): T`
 * lines (the field, every listed argument and the return type must match).
 */
const CONTRACT: Record<string, string> = {
  Enums: `
    enum Availability { AVAILABLE BUSY OFFLINE }
    enum Role { USER ADMIN }
  `,
  Accounts: `
    type AuthPayload { token: String!  refreshToken: String!  user: User! }
    input RegisterInput { email: String!  password: String!  name: String! }
    input LoginInput { email: String!  password: String! }

    Query.me: User
    Mutation.register(input: RegisterInput!): AuthPayload!
    Mutation.login(input: LoginInput!): AuthPayload!
    Mutation.refreshSession(refreshToken: String!): AuthPayload!
    Mutation.logout: Boolean!
    Mutation.requestPasswordReset(email: String!): Boolean!
    Mutation.resetPassword(token: String!, newPassword: String!): AuthPayload!

    type User { id: ID!  name: String!  role: Role!  availability: Availability!  email: String }
  `,
};

/** API.md's error codes, in its order. */
const CONTRACT_ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'MAINTENANCE'];

/** Turns `Type.field(args): T` lines into `extend type Type { field(args): T }` so graphql-js parses the whole section. */
function parseContract(text: string): readonly DefinitionNode[] {
  const sdl = text.replace(/^\s*(\w+)\.(\w+.*)$/gm, (_line, type: string, field: string) => `extend type ${type} { ${field} }`);
  return parse(sdl).definitions;
}

interface Check {
  what: string;
  expected: string;
  actual: string;
}

function fieldChecks(owner: GraphQLNamedType, nodes: readonly FieldDefinitionNode[] | readonly InputValueDefinitionNode[]): Check[] {
  const fields = isObjectType(owner) || isInputObjectType(owner) ? owner.getFields() : {};
  return nodes.flatMap((node): Check[] => {
    const what = `${owner.name}.${node.name.value}`;
    const field = fields[node.name.value] as GraphQLField<unknown, unknown> | undefined;
    const checks: Check[] = [{ what, expected: print(node.type), actual: field ? String(field.type) : '(missing)' }];
    if (node.kind === Kind.FIELD_DEFINITION) {
      for (const arg of node.arguments ?? []) {
        const actual = field?.args?.find((a) => a.name === arg.name.value);
        checks.push({ what: `${what}(${arg.name.value})`, expected: print(arg.type), actual: actual ? String(actual.type) : '(missing)' });
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

describe("API.md's contract", () => {
  it.each(Object.entries(CONTRACT))('%s: every name and type holds', (_section, text) => {
    const checks = contractChecks(text);
    expect(checks.length).toBeGreaterThan(0);
    const broken = checks.filter((c) => c.expected !== c.actual).map((c) => `${c.what}: expected ${c.expected}, is ${c.actual}`);
    expect(broken).toEqual([]);
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

  it('error codes are those of API.md plus SERVICE_UNAVAILABLE', () => {
    // Plus our extension: SERVICE_UNAVAILABLE (retryable) when the database refuses connections.
    expect([...ERROR_CODES]).toEqual([...CONTRACT_ERROR_CODES, 'SERVICE_UNAVAILABLE']);
  });
});
