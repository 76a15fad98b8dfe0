// The user's profile: name, time zone, the interview types they take and
// their level (bookSlot's default difficulty).
import { badInput } from '../domain/errors.js';
import { canonicalTimezone } from '../domain/timezones.js';
import type { Difficulty, InterviewType, Prisma } from '../generated/prisma/client.js';
import type { Planned } from '../infra/db.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';

export interface ProfileInput {
  name?: string | null;
  timezone?: string | null;
  interviewTypes?: InterviewType[] | null;
  /** null clears the level. */
  level?: Difficulty | null;
}

type UserQuery = Planned<Prisma.UserInclude, Prisma.UserSelect>;

export function createProfiles({ events }: { events: Events }) {
  return {
    /** Changes only the fields given. A zone is stored in its canonical IANA spelling. */
    async update(viewer: Viewer, input: ProfileInput, query: UserQuery = {}) {
      const data: { name?: string; timezone?: string; interviewTypes?: InterviewType[]; level?: Difficulty | null } =
        {};
      if (input.name === null) throw badInput('input.name', 'must not be null.');
      if (input.name !== undefined) data.name = input.name.trim();
      if (input.timezone === null) throw badInput('input.timezone', 'must not be null; use "UTC".');
      if (input.timezone !== undefined) {
        const zone = canonicalTimezone(input.timezone);
        if (!zone)
          throw badInput(
            'input.timezone',
            `"${input.timezone.slice(0, 64)}" is not an IANA time zone name such as "Europe/Berlin" or "UTC".`,
          );
        data.timezone = zone;
      }
      if (input.interviewTypes === null) throw badInput('input.interviewTypes', 'must not be null.');
      if (input.interviewTypes !== undefined) {
        if (input.interviewTypes.length === 0)
          throw badInput('input.interviewTypes', 'must name at least one interview type.');
        data.interviewTypes = [...new Set(input.interviewTypes)].sort();
      }
      if (input.level !== undefined) data.level = input.level;
      return events.transaction(async (tx, emit) => {
        if (data.interviewTypes) emit.peers(); // availablePeers(type) filters by them
        emit.userRow(viewer.id);
        return tx.user.update({ ...query, where: { id: viewer.id }, data });
      });
    },
  };
}

export type Profiles = ReturnType<typeof createProfiles>;
