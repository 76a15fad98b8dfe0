import { EVENT_TYPES } from '../domain/events.js';
import { BookingStatus, Difficulty, InterviewStatus, InterviewType, ParticipantRole } from '../generated/prisma/enums.js';
import { builder } from './builder.js';

export const InterviewTypeEnum = builder.enumType(InterviewType, { name: 'InterviewType' });
export const DifficultyEnum = builder.enumType(Difficulty, {
  name: 'Difficulty',
  description: 'Ordered: EASY < MEDIUM < HARD.',
});
export const BookingStatusEnum = builder.enumType(BookingStatus, { name: 'BookingStatus' });
export const InterviewStatusEnum = builder.enumType(InterviewStatus, { name: 'InterviewStatus' });
export const ParticipantRoleEnum = builder.enumType(ParticipantRole, { name: 'ParticipantRole' });
export const EventTypeEnum = builder.enumType('EventType', { values: EVENT_TYPES });
