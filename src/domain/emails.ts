// The emails MockMate sends to reach people: a subject, a plain-text part and
// an HTML part saying the same, with times in the recipient's zone (named)
// and an unsubscribe link. Pure: the caller provides names, links and zones.
import { formatForHumans } from './timezones.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface Recipient {
  name: string;
  timezone: string;
}

const TYPE_LABEL = { BEHAVIORAL: 'behavioral', TECHNICAL: 'technical' } as const;
type InterviewType = keyof typeof TYPE_LABEL;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Paragraphs (each a list of text runs and links) as both parts, plus the unsubscribe footer. */
function compose(
  subject: string,
  paragraphs: (string | { link: string; label: string })[][],
  unsubscribe: { link: string; what: string },
): EmailContent {
  const text = [
    ...paragraphs.map((p) => p.map((run) => (typeof run === 'string' ? run : `${run.label}: ${run.link}`)).join('')),
    '--',
    `You get this email because ${unsubscribe.what} are on in your MockMate settings. Stop them with one click: ${unsubscribe.link}`,
  ].join('\n\n');
  const htmlParagraphs = paragraphs
    .map(
      (p) =>
        `<p>${p.map((run) => (typeof run === 'string' ? escapeHtml(run) : `<a href="${escapeHtml(run.link)}">${escapeHtml(run.label)}</a>`)).join('')}</p>`,
    )
    .join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em">',
    htmlParagraphs,
    `<hr><p style="font-size: 0.85em; color: #555">You get this email because ${escapeHtml(unsubscribe.what)} are on in your MockMate settings. ` +
      `<a href="${escapeHtml(unsubscribe.link)}">Unsubscribe</a> with one click.</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

export function slotReminderEmail(input: {
  to: Recipient;
  slot: { startsAt: Date; endsAt: Date; type: InterviewType };
  minutesBefore: number;
  appUrl: string;
  unsubscribeLink: string;
}): EmailContent {
  const { to, slot } = input;
  const when = formatForHumans(slot.startsAt, to.timezone);
  return compose(
    `Reminder: your ${TYPE_LABEL[slot.type]} mock interview starts in ${input.minutesBefore} minutes`,
    [
      [`Hi ${to.name},`],
      [`Your ${TYPE_LABEL[slot.type]} mock interview starts ${when}.`],
      [
        `Its waiting room is open: join it so that we can pair you with a peer. `,
        { label: 'Open MockMate', link: input.appUrl },
      ],
    ],
    { link: input.unsubscribeLink, what: 'reminder emails' },
  );
}

export function matchedEmail(input: {
  to: Recipient;
  peerName: string;
  slot: { startsAt: Date; type: InterviewType };
  interviewUrl: string;
  unsubscribeLink: string;
}): EmailContent {
  const { to, slot } = input;
  return compose(
    `You have been matched with ${input.peerName} for a ${TYPE_LABEL[slot.type]} mock interview`,
    [
      [`Hi ${to.name},`],
      [
        `You have been paired with ${input.peerName} for your ${TYPE_LABEL[slot.type]} mock interview of ${formatForHumans(slot.startsAt, to.timezone)}.`,
      ],
      [`Show up in time, or the interview is cancelled. `, { label: 'Open the interview', link: input.interviewUrl }],
    ],
    { link: input.unsubscribeLink, what: 'emails while you are offline' },
  );
}

export function instantRequestEmail(input: {
  to: Recipient;
  fromName: string;
  type: InterviewType;
  expiresAt: Date;
  appUrl: string;
  unsubscribeLink: string;
}): EmailContent {
  const { to } = input;
  return compose(
    `${input.fromName} asks you for a ${TYPE_LABEL[input.type]} mock interview now`,
    [
      [`Hi ${to.name},`],
      [
        `${input.fromName} would like to do a ${TYPE_LABEL[input.type]} mock interview with you right now. The request stays open until ${formatForHumans(input.expiresAt, to.timezone)}.`,
      ],
      [{ label: 'Answer in MockMate', link: input.appUrl }],
    ],
    { link: input.unsubscribeLink, what: 'emails while you are offline' },
  );
}
