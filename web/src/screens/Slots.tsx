// Slots by type and day in the viewer's time zone; book at a difficulty, cancel,
// and go to the waiting room. Counts move live: each of the next LIVE_ROOMS
// slots (and every slot the viewer booked) follows its waiting room through
// Subscription.waitingRoom, which any signed-in user may watch.
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useClient, useMutation, useQuery, useSubscription } from 'urql';
import {
  BookSlotDocument,
  CancelBookingDocument,
  errorText,
  MyBookingsDocument,
  SlotsDocument,
  WaitingRoomDocument,
  WaitingRoomEventsDocument,
  type BookingFieldsFragment,
  type Difficulty,
  type SlotFieldsFragment,
} from '../api';
import { DIFFICULTIES, fmtDay, fmtTime, timeZone, title } from '../format';
import { useUserEvents } from '../session';
import { FormError } from './SignIn';

type Slot = SlotFieldsFragment;
type Booking = BookingFieldsFragment;

/**
 * How many of the soonest slots follow their waiting room live. A room opens
 * shortly before its slot, so later slots have no one waiting yet; the cap keeps
 * the page well under the server's operations per socket (WS_MAX_OPERATIONS_PER_SOCKET, 32).
 */
const LIVE_ROOMS = 12;

const ACTIVE = ['BOOKED', 'WAITING', 'MATCHED'];

export function Slots() {
  const [type, setType] = useState<'TECHNICAL' | 'BEHAVIORAL'>('TECHNICAL');
  const [slots, refetchSlots] = useQuery({ query: SlotsDocument, variables: { type } });
  const [bookings, refetchBookings] = useQuery({ query: MyBookingsDocument });
  const refresh = () => {
    refetchSlots({ requestPolicy: 'network-only' });
    refetchBookings({ requestPolicy: 'network-only' });
  };
  useUserEvents(refresh, ['MATCHED', 'MATCH_CANCELLED', 'SESSION_ENDED']);
  const mine = new Map(
    (bookings.data?.myBookings ?? []).filter((b) => ACTIVE.includes(b.status)).map((b) => [b.slot.id, b]),
  );
  const live = useMemo(() => {
    const now = new Date().toISOString();
    return new Set(
      (slots.data?.slots ?? [])
        .filter((s) => s.endsAt > now)
        .slice(0, LIVE_ROOMS)
        .map((s) => s.id),
    );
  }, [slots.data]);
  const days = useMemo(() => {
    const out = new Map<string, Slot[]>();
    for (const s of slots.data?.slots ?? []) {
      const day = fmtDay(s.startsAt);
      out.set(day, [...(out.get(day) ?? []), s]);
    }
    return [...out];
  }, [slots.data]);

  return (
    <section>
      <div className="page-head">
        <h1>Interview slots</h1>
        <p className="muted">Times in your time zone, {timeZone}.</p>
      </div>
      <div className="tabs" role="group" aria-label="Interview type">
        {(['TECHNICAL', 'BEHAVIORAL'] as const).map((t) => (
          <button
            key={t}
            className={t === type ? 'tab active' : 'tab'}
            aria-pressed={t === type}
            onClick={() => setType(t)}
          >
            {title(t)}
          </button>
        ))}
      </div>
      {slots.fetching && !slots.data && <p role="status">Loading slots…</p>}
      {slots.data && days.length === 0 && (
        <p className="card">No {title(type).toLowerCase()} slots in the next days.</p>
      )}
      {days.map(([day, list]) => (
        <div key={day} className="day">
          <h2>{day}</h2>
          <ul className="rows">
            {list.map((s) => (
              <SlotRow key={s.id} slot={s} booking={mine.get(s.id)} live={live.has(s.id)} onChange={refresh} />
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

function SlotRow({
  slot,
  booking,
  live,
  onChange,
}: {
  slot: Slot;
  booking: Booking | undefined;
  live: boolean;
  onChange: () => void;
}) {
  const client = useClient();
  const [difficulty, setDifficulty] = useState<Difficulty>('MEDIUM');
  const [bookState, book] = useMutation(BookSlotDocument);
  const [cancelState, cancel] = useMutation(CancelBookingDocument);
  const [room] = useSubscription({
    query: WaitingRoomEventsDocument,
    variables: { slotId: slot.id },
    pause: !booking && !live,
  });
  // The room's events carry the waiting count; joins, leaves and matches also move the
  // booked count (a cancelled WAITING or MATCHED booking), so read the slot again then.
  const [booked, setBooked] = useState<{ of: Slot; count: number } | null>(null);
  const event = room.data?.waitingRoom;
  useEffect(() => {
    if (!event || event.type === 'SERVER_SHUTDOWN') return;
    let current = true;
    void client
      .query(WaitingRoomDocument, { slotId: slot.id }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((r) => {
        const count = r.data?.waitingRoom?.slot.bookedCount;
        if (current && count !== undefined) setBooked({ of: slot, count });
      });
    return () => {
      current = false;
    };
  }, [client, event, slot]);
  const waiting = event?.waitingCount ?? slot.waitingCount;
  // A fresh slots query (after the viewer's own booking or cancel) supersedes it.
  const bookedCount = booked?.of === slot ? booked.count : slot.bookedCount;
  const selectId = `difficulty-${slot.id}`;
  return (
    <li className="row" data-testid="slot-row" data-slot-id={slot.id}>
      <div className="when">
        <strong>
          {fmtTime(slot.startsAt)}–{fmtTime(slot.endsAt)}
        </strong>
        <span className="muted">{title(slot.type)}</span>
      </div>
      <div className="counts" aria-label="Counts">
        <span>
          <b>{bookedCount}</b> booked
        </span>
        <span>
          <b>{waiting}</b> waiting
        </span>
      </div>
      {booking ? (
        <div className="actions">
          <span className={`badge ${booking.status.toLowerCase()}`}>
            {title(booking.status)} · {title(booking.difficulty)}
          </span>
          {booking.interview ? (
            <Link className="button" to={`/session/${booking.interview.id}`}>
              Open session
            </Link>
          ) : (
            <Link className="button" to={`/waiting/${booking.id}`}>
              Waiting room
            </Link>
          )}
          <button
            className="ghost"
            disabled={cancelState.fetching}
            onClick={async () => {
              await cancel({ bookingId: booking.id });
              onChange();
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <form
          className="actions"
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await book({ input: { slotId: slot.id, difficulty } });
            if (r.data) onChange();
          }}
        >
          <label htmlFor={selectId} className="sr-only">
            Difficulty
          </label>
          <select
            id={selectId}
            data-testid="book-difficulty"
            value={difficulty}
            onChange={(e) => setDifficulty(e.target.value as Difficulty)}
          >
            {DIFFICULTIES.map((d) => (
              <option key={d} value={d}>
                {title(d)}
              </option>
            ))}
          </select>
          <button data-testid="book-submit" disabled={bookState.fetching}>
            Book
          </button>
        </form>
      )}
      <FormError text={errorText(bookState.error ?? cancelState.error)} />
    </li>
  );
}
