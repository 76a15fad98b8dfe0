// Real clients: GraphQL over HTTP with fetch, and graphql-ws over ws.
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { timedQueue } from './queue.js';

export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
}

export interface RequestOptions {
  token?: string | null;
  ip?: string;
}

export async function gql<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  opts: RequestOptions = {},
): Promise<GqlResponse<T>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.ip) headers['x-forwarded-for'] = opts.ip;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as GqlResponse<T>;
  return { ...body, status: res.status };
}

/** Asserts success and returns data. */
export async function ok<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  opts?: RequestOptions,
): Promise<T> {
  const res = await gql(url, document, variables, opts);
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

/** The error codes of a failed response, in order. */
export const codes = (res: GqlResponse<unknown>) => (res.errors ?? []).map((e) => e.extensions?.['code']);

export interface WsConnection {
  client: Client;
  /** Resolves with the close event once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/**
 * `headers` go with the upgrade request, e.g. `x-forwarded-for` to act from another address, or `origin`;
 * `connectionParams` replaces the `{ authorization: 'Bearer <token>' }` built from `token`.
 */
export function connectWs(
  wsUrl: string,
  token?: string | null,
  opts: { headers?: Record<string, string>; connectionParams?: Record<string, unknown> } = {},
): WsConnection {
  let resolveClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const { headers } = opts;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers });
          }
        }
      : WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: opts.connectionParams ?? (token ? { authorization: `Bearer ${token}` } : {}),
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => {},
  });
  return { client, closed, dispose: () => client.dispose() as Promise<void> };
}

/** Resolves once the server has admitted the socket (connection_ack); rejects if it closes first. */
export async function admitted(conn: WsConnection): Promise<WsConnection> {
  await new Promise<void>((resolve, reject) => {
    conn.client.on('connected', () => resolve());
    void conn.closed.then((e) => reject(new Error(`socket closed: ${e.code} ${e.reason}`)));
  });
  return conn;
}

/**
 * A subscription whose results queue up until the test takes them, so a
 * test awaits the event itself rather than sleeping.
 */
export interface Subscription<T> {
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  stop(): void;
  /** Results received but not yet taken. */
  pending(): number;
}

export function subscribe<T, V>(conn: WsConnection, document: TypedDocumentNode<T, V>, variables?: V): Subscription<T> {
  const results = timedQueue<ExecutionResult<T>>('subscription event');
  const unsubscribe = conn.client.subscribe<T>(
    { query: print(document), variables: variables as Record<string, unknown> | undefined },
    {
      next: (r) => results.push(r as ExecutionResult<T>),
      error: (err) =>
        results.push({ errors: Array.isArray(err) ? err : [{ message: String((err as Error)?.message ?? err) }] }),
      complete: () => {},
    },
  );
  return { next: results.next, stop: unsubscribe, pending: results.pending };
}
