// Profile and settings: name, time zone (emails show times in it), the
// interview types and level the user practises, and which emails they get.
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  errorText,
  UpdateNotificationPreferencesDocument,
  UpdateProfileDocument,
  WebProfileDocument,
  type Difficulty,
  type InterviewType,
  type WebProfileQuery,
} from '../api';
import { title } from '../format';
import { FormError } from './SignIn';

type Profile = NonNullable<WebProfileQuery['me']>;

const TYPES: InterviewType[] = ['TECHNICAL', 'BEHAVIORAL'];
const LEVELS: Difficulty[] = ['EASY', 'MEDIUM', 'HARD'];
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function Settings() {
  const [{ data, fetching }] = useQuery({ query: WebProfileDocument, requestPolicy: 'network-only' });
  if (fetching && !data) return <p role="status">Loading your profile…</p>;
  if (!data?.me) return null;
  return (
    <section>
      <div className="page-head">
        <h1>Profile &amp; settings</h1>
      </div>
      <div className="grid2">
        <ProfileForm profile={data.me} />
        <PreferencesForm profile={data.me} />
      </div>
    </section>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  // "UTC" is the server's default: until the user picks one, suggest the browser's zone.
  const [name, setName] = useState(profile.name);
  const [timezone, setTimezone] = useState(profile.timezone === 'UTC' ? browserZone() : profile.timezone);
  const [types, setTypes] = useState(profile.interviewTypes);
  const [level, setLevel] = useState<Difficulty | ''>(profile.level ?? '');
  const [saved, setSaved] = useState(false);
  const [state, save] = useMutation(UpdateProfileDocument);
  useEffect(() => setSaved(false), [name, timezone, types, level]);
  const zones = useMemo(() => {
    const all = new Set<string>(Intl.supportedValuesOf('timeZone'));
    all.add('UTC');
    all.add(profile.timezone);
    all.add(browserZone());
    return [...all].sort();
  }, [profile.timezone]);
  return (
    <form
      className="card"
      aria-labelledby="profile-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await save({ input: { name: name.trim(), timezone, interviewTypes: types, level: level || null } });
        if (r.data) setSaved(true);
      }}
    >
      <h2 id="profile-title">Profile</h2>
      <label>
        Name
        <input
          data-testid="profile-name"
          required
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label>
        Time zone
        <select data-testid="profile-timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">Saved: {profile.timezone}. Emails show times in this zone.</p>
      <fieldset>
        <legend>Interview types</legend>
        {TYPES.map((t) => (
          <label className="switch" key={t}>
            <input
              type="checkbox"
              data-testid={`profile-type-${t.toLowerCase()}`}
              checked={types.includes(t)}
              onChange={(e) => setTypes((prev) => (e.target.checked ? [...prev, t] : prev.filter((x) => x !== t)))}
            />{' '}
            {title(t)}
          </label>
        ))}
      </fieldset>
      <label>
        Level
        <select data-testid="profile-level" value={level} onChange={(e) => setLevel(e.target.value as Difficulty | '')}>
          <option value="">Not set</option>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {title(l)}
            </option>
          ))}
        </select>
      </label>
      <FormError text={types.length === 0 ? 'Choose at least one interview type.' : errorText(state.error)} />
      {saved && (
        <p role="status" data-testid="profile-saved">
          Profile saved.
        </p>
      )}
      <button data-testid="profile-save" disabled={state.fetching || types.length === 0}>
        Save profile
      </button>
    </form>
  );
}

function PreferencesForm({ profile }: { profile: Profile }) {
  const prefs = profile.notificationPreferences ?? { emailReminders: true, emailWhenOffline: true };
  const [state, update] = useMutation(UpdateNotificationPreferencesDocument);
  // Controlled by the server's answer: each box shows what is saved.
  const current = state.data?.updateNotificationPreferences.notificationPreferences ?? prefs;
  return (
    <section className="card" aria-labelledby="prefs-title">
      <h2 id="prefs-title">Email notifications</h2>
      <label className="switch">
        <input
          type="checkbox"
          data-testid="prefs-reminders"
          checked={current.emailReminders}
          disabled={state.fetching}
          onChange={(e) => void update({ input: { emailReminders: e.target.checked } })}
        />{' '}
        A reminder before each booked slot
      </label>
      <label className="switch">
        <input
          type="checkbox"
          data-testid="prefs-offline"
          checked={current.emailWhenOffline}
          disabled={state.fetching}
          onChange={(e) => void update({ input: { emailWhenOffline: e.target.checked } })}
        />{' '}
        An email when I am matched or asked for an instant interview while offline
      </label>
      <FormError text={errorText(state.error)} />
    </section>
  );
}
