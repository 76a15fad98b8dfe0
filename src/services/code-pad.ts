// The shared code pad: one Yjs document per interview, merged on the server
// so both sides converge whatever order their edits arrive in. The merged
// state is stored (it survives restarts and is the same on every instance);
// each accepted update is relayed through pub/sub to the participants'
// subscriptions on any instance.
import type { PubSubEngine } from 'graphql-subscriptions';
import * as Y from 'yjs';
import { CODE_PAD_LIMITS, CODE_PAD_TEXT, canEditPad, checkLanguage, decodeUpdate } from '../domain/code-pad.js';
import { badInput, conflict, rateLimited } from '../domain/errors.js';
import { channels, type CodePadEventMessage } from '../domain/events.js';
import { subscribeQueue } from '../infra/pubsub.js';
import type { Db, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import type { Viewer } from './accounts.js';
import { requireParticipant } from './interviews/participants.js';

export interface CodePadView {
  interviewId: string;
  language: string;
  text: string;
  /** The whole merged document as one base64 Yjs update: what a late joiner applies first. */
  state: string;
  version: number;
  updatedAt: Date;
}

const EMPTY_STATE = Buffer.from(Y.encodeStateAsUpdate(new Y.Doc()));

export function createCodePad({
  db,
  pubsub,
  limiter,
  log,
}: {
  db: Db;
  pubsub: PubSubEngine;
  limiter: RateLimiter;
  log: Logger;
}) {
  const updates = limiter.rule('codepad', { limit: CODE_PAD_LIMITS.updates, windowMs: CODE_PAD_LIMITS.windowMs });
  /** Participants only: anyone else learns nothing (NOT_FOUND); an admin, who may read the interview, FORBIDDEN. */
  const interviewFor = (client: Db | Tx, viewer: Viewer, interviewId: string) =>
    requireParticipant(client, viewer, interviewId, { action: 'use its code pad' });

  const view = (
    interviewId: string,
    pad: { language: string; text: string; state: Uint8Array; version: number; updatedAt: Date } | null,
  ): CodePadView => ({
    interviewId,
    language: pad?.language ?? 'plaintext',
    text: pad?.text ?? '',
    state: Buffer.from(pad?.state ?? EMPTY_STATE).toString('base64'),
    version: pad?.version ?? 0,
    updatedAt: pad?.updatedAt ?? new Date(0),
  });

  return {
    async get(viewer: Viewer, interviewId: string): Promise<CodePadView> {
      await interviewFor(db, viewer, interviewId);
      return view(interviewId, await db.codePad.findUnique({ where: { interviewId } }));
    },

    /**
     * Merges a base64 Yjs update (and maybe a new language) into the pad.
     * The interview row is read FOR SHARE, so ending the interview waits for
     * an update under way and no update lands after the end.
     */
    async update(
      viewer: Viewer,
      input: { interviewId: string; update: string; language?: string | null },
    ): Promise<CodePadView> {
      const { interviewId } = input;
      const decoded = decodeUpdate(input.update);
      if (!decoded.ok) throw badInput('update', decoded.message);
      const language = input.language == null ? null : checkLanguage(input.language);
      if (language && !language.ok) throw badInput('language', language.message);
      await interviewFor(db, viewer, interviewId);
      const spent = await updates.consume(viewer.id);
      if (!spent.ok) {
        throw rateLimited(
          `You may send at most ${CODE_PAD_LIMITS.updates} code pad updates per ${CODE_PAD_LIMITS.windowMs / 1000} seconds; batch your edits.`,
          spent.retryAfterMs,
        );
      }

      const saved = await db.$transaction(async (tx) => {
        const [row] = await tx.$queryRaw<
          { status: string }[]
        >`SELECT status::text FROM "Interview" WHERE id = ${interviewId}::uuid FOR SHARE`;
        const editable = canEditPad(row!.status);
        if (!editable.ok) throw conflict(editable.message);
        await tx.$executeRaw`INSERT INTO "CodePad" ("interviewId", state) VALUES (${interviewId}::uuid, ${EMPTY_STATE}) ON CONFLICT DO NOTHING`;
        await tx.$queryRaw`SELECT "interviewId" FROM "CodePad" WHERE "interviewId" = ${interviewId}::uuid FOR UPDATE`;
        const pad = await tx.codePad.findUniqueOrThrow({ where: { interviewId } });

        const doc = new Y.Doc();
        try {
          Y.applyUpdate(doc, pad.state);
          Y.applyUpdate(doc, decoded.value);
        } catch {
          throw badInput('update', 'is not a valid Yjs update.');
        }
        const state = Y.encodeStateAsUpdate(doc);
        const text = doc.getText(CODE_PAD_TEXT).toJSON();
        doc.destroy();
        if (text.length > CODE_PAD_LIMITS.textChars)
          throw badInput('update', `would make the code longer than ${CODE_PAD_LIMITS.textChars} characters.`);
        if (state.length > CODE_PAD_LIMITS.stateBytes)
          throw conflict(`The code pad is full (${CODE_PAD_LIMITS.stateBytes} bytes of history).`);
        return tx.codePad.update({
          where: { interviewId },
          data: {
            state: Buffer.from(state),
            text,
            version: { increment: 1 },
            updatedAt: new Date(),
            ...(language ? { language: language.value } : {}),
          },
        });
      });

      // After commit: stored first, so a watcher that misses this resyncs from codePad and loses nothing.
      const message: CodePadEventMessage = {
        interviewId,
        update: input.update,
        version: saved.version,
        byUserId: viewer.id,
        at: saved.updatedAt.toISOString(),
      };
      await pubsub
        .publish(channels.codePad(interviewId), message)
        .catch((err: unknown) => log.warn({ err, interviewId }, 'code pad publish failed'));
      return view(interviewId, saved);
    },

    /** Every accepted update of the pad, live (the viewer's own included: applying one twice changes nothing). */
    async watch(viewer: Viewer, interviewId: string): Promise<AsyncIterableIterator<CodePadEventMessage>> {
      await interviewFor(db, viewer, interviewId);
      return subscribeQueue<CodePadEventMessage>(pubsub, channels.codePad(interviewId));
    },
  };
}

export type CodePad = ReturnType<typeof createCodePad>;
