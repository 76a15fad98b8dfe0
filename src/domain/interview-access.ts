// Who may see an interview and who may act in it: its participants do both,
// admins may read any interview, and anyone else learns nothing about it.
import { forbidden, notFound, type AppError } from './errors.js';

export interface AccessViewer {
  id: string;
  role: 'USER' | 'ADMIN';
}

export const isAdmin = (viewer: AccessViewer) => viewer.role === 'ADMIN';

/** Participants and admins may read an interview (its data, chat and feedback). */
export const canReadInterview = (viewer: AccessViewer, participantIds: readonly string[]) =>
  isAdmin(viewer) || participantIds.includes(viewer.id);

/**
 * The refusal for someone who is not a participant: an admin, who may read the
 * interview, is told FORBIDDEN; anyone else NOT_FOUND (as `what`), so a
 * stranger cannot tell an interview exists.
 */
export function notAParticipant(
  viewer: AccessViewer,
  exists: boolean,
  opts: { what?: string; action?: string } = {},
): AppError {
  return exists && isAdmin(viewer)
    ? forbidden(`Only the participants of this interview can ${opts.action ?? 'do this'}.`)
    : notFound(opts.what ?? 'Interview');
}
