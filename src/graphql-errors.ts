// Errors a client's document caused, in API.md's terms, for HTTP and WebSocket alike.
import { GraphQLError } from 'graphql';
import { ERROR_CODES, type ErrorCode } from './domain/errors.js';

const CLIENT_CODES = new Set<string>(ERROR_CODES);

/** Keeps an API.md code the error already has; anything else the client caused is BAD_USER_INPUT. */
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
