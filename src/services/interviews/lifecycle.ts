// Start, end and swap roles. Every change locks the interview row and asks the
// state machine of domain/interview-state.ts before writing, inside
// events.transaction, so the change and its events commit together.
import { conflict } from '../../domain/errors.js';
import { otherRole, transition } from '../../domain/interview-state.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Planned } from '../../infra/db.js';
import type { Viewer } from '../accounts.js';
import type { Events } from '../events.js';
import { announcePresence, announceToBoth, forParticipant } from './participants.js';

export type InterviewQuery = Planned<Prisma.InterviewInclude, Prisma.InterviewSelect>;

export function createLifecycle({ events }: { events: Events }) {
  return {
    async startInterview(viewer: Viewer, interviewId: string, query: InterviewQuery = {}, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'start');
        if (!t.ok) throw conflict(t.reason);
        if (me.joinedAt === null) {
          // Calling start is showing up, like subscribing to the session.
          await tx.interviewParticipant.update({
            where: { interviewId_userId: { interviewId, userId: me.userId } },
            data: { joinedAt: now },
          });
          announcePresence(emit, 'PEER_JOINED', interviewId, me.userId, peer.userId);
        }
        if (t.changed) {
          await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, startedAt: now } });
          emit.peers();
          announceToBoth(emit, 'SESSION_STARTED', interviewId, [me.userId, peer.userId], viewer.id, {
            startedAt: now.toISOString(),
          });
        }
        return tx.interview.findUniqueOrThrow({ ...query, where: { id: interviewId } });
      });
    },

    async endInterview(viewer: Viewer, interviewId: string, query: InterviewQuery = {}, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'end');
        if (!t.ok) throw conflict(t.reason);
        await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, endedAt: now } });
        emit.peers();
        announceToBoth(emit, 'SESSION_ENDED', interviewId, [me.userId, peer.userId], viewer.id, {
          endedAt: now.toISOString(),
          reason: 'ended-by-participant',
        });
        return tx.interview.findUniqueOrThrow({ ...query, where: { id: interviewId } });
      });
    },

    async swapRoles(viewer: Viewer, interviewId: string, query: InterviewQuery = {}) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'swapRoles');
        if (!t.ok) throw conflict(t.reason);
        const roles = [me, peer].map((p) => ({ userId: p.userId, role: otherRole(p.role) }));
        for (const r of roles) {
          await tx.interviewParticipant.update({
            where: { interviewId_userId: { interviewId, userId: r.userId } },
            data: { role: r.role },
          });
        }
        announceToBoth(emit, 'ROLES_SWAPPED', interviewId, [me.userId, peer.userId], viewer.id, { roles });
        return tx.interview.findUniqueOrThrow({ ...query, where: { id: interviewId } });
      });
    },
  };
}
