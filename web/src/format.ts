// Dates in the viewer's own time zone, which the UI names.
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
export const fmtTime = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
export const fmtDay = (iso: string) =>
  new Date(iso).toLocaleDateString([], { weekday: 'long', month: 'short', day: 'numeric' });
export const fmtDateTime = (iso: string) => `${fmtDay(iso)}, ${fmtTime(iso)}`;
export const title = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');
export const DIFFICULTIES = ['EASY', 'MEDIUM', 'HARD'] as const;
