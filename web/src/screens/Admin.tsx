// Admins: create slots, pair a waiting room now, and the live realtime chart
// (Subscription.realtimeStats pushes a fresh total after every instance report).
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import {
  CreateSlotDocument,
  errorText,
  MaintenanceDocument,
  PairWaitingRoomDocument,
  SetMaintenanceDocument,
  SlotsDocument,
  WebRealtimeStatsDocument,
  type InterviewType,
  type WebRealtimeStatsSubscription,
} from '../api';
import { fmtDateTime, timeZone, title } from '../format';
import { useMe } from '../session';
import { Lines } from '../components/Chart';
import { FormError } from './SignIn';

type Stats = WebRealtimeStatsSubscription['realtimeStats'];

const HISTORY = 60;

export function Admin() {
  const me = useMe();
  if (me?.role !== 'ADMIN') return <p className="card">This page is for administrators.</p>;
  return (
    <section>
      <div className="page-head">
        <h1>Admin</h1>
      </div>
      <MaintenanceToggle />
      <RealtimeChart />
      <div className="history-top">
        <CreateSlot />
        <PairNow />
      </div>
    </section>
  );
}

function MaintenanceToggle() {
  const [{ data }, refetch] = useQuery({ query: MaintenanceDocument });
  const [state, set] = useMutation(SetMaintenanceDocument);
  const [message, setMessage] = useState('');
  const enabled = state.data?.setMaintenance.enabled ?? data?.maintenance.enabled ?? false;
  return (
    <div className="card">
      <h2>Maintenance mode</h2>
      <p className="muted">
        While it is on, every mutation but sign-in and this switch fails; users see a banner on every screen.
      </p>
      <label>
        Message for users (optional)
        <input
          data-testid="maintenance-message"
          value={message}
          maxLength={500}
          onChange={(e) => setMessage(e.target.value)}
        />
      </label>
      <label className="switch">
        <input
          type="checkbox"
          data-testid="maintenance-toggle"
          checked={enabled}
          disabled={state.fetching}
          onChange={async (e) => {
            await set({ enabled: e.target.checked, message: message.trim() || null });
            refetch({ requestPolicy: 'network-only' });
          }}
        />{' '}
        Maintenance mode is {enabled ? 'on' : 'off'}
      </label>
      <FormError text={errorText(state.error)} />
    </div>
  );
}

function RealtimeChart() {
  const [{ data, error }] = useSubscription<WebRealtimeStatsSubscription, Stats[]>(
    { query: WebRealtimeStatsDocument },
    (prev = [], d) => [...prev, d.realtimeStats].slice(-HISTORY),
  );
  const points = data ?? [];
  const last = points.at(-1);
  const names = [...new Set(points.flatMap((p) => p.instances.map((i) => i.name)))];
  return (
    <div className="card">
      <h2>Realtime, live</h2>
      {error && <p className="error">{errorText(error)}</p>}
      {last && (
        <p className="muted">
          {last.onlineUsers} users online · {last.connections} sockets · {last.subscriptions} subscriptions ·{' '}
          {last.instances.length} instance(s), as of {new Date(last.at).toLocaleTimeString()}
        </p>
      )}
      <Lines
        label="Sockets and subscriptions per instance over time"
        series={names.flatMap((n) => [
          { name: `${n} sockets`, points: points.map((p) => p.instances.find((i) => i.name === n)?.connections ?? 0) },
          {
            name: `${n} subscriptions`,
            points: points.map((p) => p.instances.find((i) => i.name === n)?.subscriptions ?? 0),
          },
        ])}
      />
    </div>
  );
}

function CreateSlot() {
  const [state, create] = useMutation(CreateSlotDocument);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <form
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const startsAt = new Date(f.get('startsAt') as string);
        const r = await create({
          input: {
            type: f.get('type') as InterviewType,
            durationMinutes: Number(f.get('duration')),
            startsAt: startsAt.toISOString(),
          },
        });
        if (r.data) setCreated(fmtDateTime(r.data.createSlot.startsAt));
      }}
    >
      <h2>Create a slot</h2>
      <label>
        Starts at <span className="muted">({timeZone})</span>
        <input name="startsAt" type="datetime-local" required />
      </label>
      <label>
        Type
        <select name="type">
          <option value="TECHNICAL">Technical</option>
          <option value="BEHAVIORAL">Behavioral</option>
        </select>
      </label>
      <label>
        Duration (minutes)
        <input name="duration" type="number" min={15} max={240} defaultValue={60} required />
      </label>
      <FormError text={errorText(state.error)} />
      {created && <p role="status">Slot created for {created}.</p>}
      <button disabled={state.fetching}>Create slot</button>
    </form>
  );
}

function PairNow() {
  const [{ data }, refetch] = useQuery({ query: SlotsDocument, variables: {}, requestPolicy: 'network-only' });
  const [state, pair] = useMutation(PairWaitingRoomDocument);
  const [result, setResult] = useState<string | null>(null);
  const waiting = (data?.slots ?? []).filter((s) => s.waitingCount > 0);
  return (
    <div className="card">
      <h2>Pair a waiting room now</h2>
      {waiting.length === 0 && <p className="muted">No one is waiting in any room.</p>}
      <ul className="rows">
        {waiting.map((s) => (
          <li className="row" key={s.id}>
            <span>
              {title(s.type)}, {fmtDateTime(s.startsAt)}: {s.waitingCount} waiting
            </span>
            <button
              disabled={state.fetching}
              onClick={async () => {
                const r = await pair({ slotId: s.id });
                if (r.data) setResult(`${r.data.pairWaitingRoom.length} interview(s) created.`);
                refetch({ requestPolicy: 'network-only' });
              }}
            >
              Pair now
            </button>
          </li>
        ))}
      </ul>
      {result && <p role="status">{result}</p>}
      <FormError text={errorText(state.error)} />
    </div>
  );
}
