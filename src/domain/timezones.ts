// Time zones: validation of IANA names and local renderings of UTC instants.
// Storage stays UTC; these only format. Intl (ICU) carries the zone rules, DST included.

export const DEFAULT_TIMEZONE = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${timeZone}|${key}`;
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    formatters.set(id, f);
  }
  return f;
}

// ICU's own spelling of each zone, to correct the case of a name typed otherwise.
let knownByLowerCase: Map<string, string> | null = null;

/**
 * The name of an IANA zone as stored (`europe/berlin` → `Europe/Berlin`), or null when it is not
 * one. The name is kept as given, case corrected, since ICU's canonical ids are older spellings
 * (`Asia/Calcutta` for `Asia/Kolkata`). Raw offsets (`+01:00`) and abbreviations (`EST`, `CET`)
 * are refused: they name no place and carry no DST rules.
 */
export function canonicalTimezone(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 64) return null;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(trimmed)) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  if (/^(etc\/)?(utc|gmt|uct|zulu|universal)$/i.test(trimmed)) return DEFAULT_TIMEZONE;
  // Legacy abbreviations that ICU maps to a zone (EST, MST, HST, CET, …) name no place: refuse them.
  if (!trimmed.includes('/') || resolved === 'UTC') return null;
  knownByLowerCase ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  return knownByLowerCase.get(trimmed.toLowerCase()) ?? trimmed;
}

function parts(at: Date, timeZone: string) {
  const raw = formatter(timeZone, 'parts', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => raw.find((p) => p.type === type)!.value;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** Offset of `timeZone` from UTC at `at`, in minutes (New York in winter: -300). */
export function offsetMinutes(at: Date, timeZone: string): number {
  const p = parts(at, timeZone);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** `+01:00`, `-05:00`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** ISO-8601 local time with its offset: `2026-03-07T09:00:00-05:00` for 14:00Z in America/New_York. */
export function toLocalIso(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${formatOffset(offsetMinutes(at, timeZone))}`;
}

/**
 * A time for people, in their zone and naming it: `Saturday, 7 March 2026, 09:00 (America/New_York, UTC-05:00)`.
 * The zone name and offset make the reading unambiguous, also across a DST change.
 */
export function formatForHumans(at: Date, timeZone: string): string {
  const day = formatter(timeZone, 'day', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => day.find((p) => p.type === type)!.value;
  const p = parts(at, timeZone);
  return `${get('weekday')}, ${get('day')} ${get('month')} ${get('year')}, ${p.hour}:${p.minute} (${timeZone}, UTC${formatOffset(offsetMinutes(at, timeZone))})`;
}
