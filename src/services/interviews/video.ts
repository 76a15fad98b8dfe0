// Video credentials: a ZEGOCLOUD token04 per participant for the interview's own room.
import type { Config } from '../../config.js';
import { autoEndAt } from '../../domain/interview-state.js';
import { generateToken04, token04ExpiresAt } from '../../domain/zego-token.js';
import type { Viewer } from '../accounts.js';

export const VIDEO_PROVIDER = 'zego';
/** The video room of an interview: one per interview, so a token for one lets nobody into another. */
export const videoRoomId = (interviewId: string) => `mockmate-${interviewId}`;

export interface VideoCredentials {
  provider: string;
  appId: number;
  roomId: string;
  token: string;
  expiresAt: Date;
}

export function createVideo({ config }: { config: Config }) {
  return {
    /** Video credentials for a participant of an interview not yet over; null without ZEGO settings. */
    videoFor(
      viewer: Viewer | null,
      interview: { id: string; status: string; slot: { endsAt: Date }; participants: { userId: string }[] },
      now = new Date(),
    ): VideoCredentials | null {
      const zego = config.zego;
      if (!zego || !viewer || !interview.participants.some((p) => p.userId === viewer.id)) return null;
      if (interview.status !== 'SCHEDULED' && interview.status !== 'IN_PROGRESS') return null;
      const until = autoEndAt({ slotEndsAt: interview.slot.endsAt, graceMinutes: config.sessionGraceMinutes });
      // Whole seconds, so the token expires exactly at slot end + grace (slots start and end on whole minutes).
      const effectiveTimeInSeconds = Math.floor(until.getTime() / 1000) - Math.floor(now.getTime() / 1000);
      if (effectiveTimeInSeconds <= 0) return null;
      const roomId = videoRoomId(interview.id);
      const token = generateToken04({
        appId: zego.appId,
        userId: viewer.id,
        secret: zego.serverSecret,
        effectiveTimeInSeconds,
        roomId,
        now,
      });
      return {
        provider: VIDEO_PROVIDER,
        appId: zego.appId,
        roomId,
        token,
        expiresAt: token04ExpiresAt({ now, effectiveTimeInSeconds }),
      };
    },
  };
}
