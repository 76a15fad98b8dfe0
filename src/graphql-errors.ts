// Errors a client's document caused, in the contract's terms (docs/api.md), for HTTP and WebSocket alike.
import { GraphQLError, Kind, visit, type ArgumentNode, type DocumentNode, type ObjectFieldNode } from 'graphql';
import { ERROR_CODES, type ErrorCode } from './domain/errors.js';

/** The contract's codes (docs/api.md), and the automatic persisted query protocol's, which clients act on. */
const CLIENT_CODES = new Set<string>([...ERROR_CODES, 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_MISMATCH']);

/** Keeps a contract code (docs/api.md) the error already has; anything else the client caused is BAD_USER_INPUT. */
export function asClientError(error: GraphQLError): GraphQLError {
  const code = error.extensions['code'];
  if (typeof code === 'string' && CLIENT_CODES.has(code)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    // `http` stays: yoga reads the status from it (and strips it from HTTP responses).
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' satisfies ErrorCode },
  });
}

/** For WebSocket, where nothing strips yoga's `http` hint: code and message only. */
export function asSocketClientError(error: GraphQLError): GraphQLError {
  const { code } = asClientError(error).extensions;
  return new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code } });
}

/** NUL, or half a UTF-16 surrogate pair: neither fits in PostgreSQL text (UTF-8). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text cannot store.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where text that cannot be stored sits in the operation's arguments
 * (`$variable.path` or the argument's name), if anywhere.
 */
export function unstorableTextAt(document: DocumentNode, variables: unknown): string | null {
  if (typeof variables === 'object' && variables !== null) {
    for (const [name, value] of Object.entries(variables)) {
      const found = unstorableIn(value, `$${name}`);
      if (found) return found;
    }
  }
  let literal = literalVerdicts.get(document);
  if (literal === undefined) literalVerdicts.set(document, (literal = unstorableLiteral(document)));
  return literal;
}

/** A document's literals never change, and yoga's parse cache hands out the same node per source: checked once. */
const literalVerdicts = new WeakMap<DocumentNode, string | null>();

function unstorableIn(value: unknown, path: string): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, v] of Object.entries(value)) {
    const found = unstorableIn(v, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

function unstorableLiteral(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      if (found || !UNSTORABLE.test(node.value)) return;
      const named = [...ancestors, parent]
        .reverse()
        .find(
          (a): a is ArgumentNode | ObjectFieldNode =>
            !!a && 'kind' in a && (a.kind === Kind.ARGUMENT || a.kind === Kind.OBJECT_FIELD),
        );
      found = named?.name.value ?? 'argument';
    },
  });
  return found;
}
