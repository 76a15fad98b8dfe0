// Slots by type and day in the viewer's time zone; book at a difficulty, cancel,
// and go to the waiting room. Counts move live with the viewer's events and the
// waiting rooms of the slots they booked.
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { errorText, gql } from '../api';
import { DIFFICULTIES, fmtDay, fmtTime, timeZone, title } from '../format';
import { useUserEvents } from '../session';
import { FormError } from './SignIn';

interface Slot {
  id: string;
  type: string;
  startsAt: string;
  endsAt: string;
  bookedCount: number;
  waitingCount: number;
}
interface Booking {
  id: string;
  status: string;
  difficulty: string;
  slot: { id: string };
  interview: { id: string } | null;
}

const SLOTS = gql`
  query Slots($type: InterviewType) {
    slots(type: $type) {
      id
      type
      startsAt
      endsAt
      bookedCount
      waitingCount
    }
  }
`;
export const MY_BOOKINGS = gql`
  query MyBookings {
    myBookings {
      id
      status
      difficulty
      slot {
        id
        startsAt
      }
      interview {
        id
      }
    }
  }
`;
const BOOK = gql`
  mutation BookSlot($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
      status
      difficulty
      slot {
        id
        bookedCount
        waitingCount
      }
    }
  }
`;
const CANCEL = gql`
  mutation CancelBooking($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) {
      id
      status
      slot {
        id
        bookedCount
        waitingCount
      }
    }
  }
`;
const ROOM = gql`
  subscription SlotRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      slotId
      waitingCount
      type
    }
  }
`;

const ACTIVE = ['BOOKED', 'WAITING', 'MATCHED'];

export function Slots() {
  const [type, setType] = useState<'TECHNICAL' | 'BEHAVIORAL'>('TECHNICAL');
  const [slots, refetchSlots] = useQuery<{ slots: Slot[] }>({ query: SLOTS, variables: { type } });
  const [bookings, refetchBookings] = useQuery<{ myBookings: Booking[] }>({ query: MY_BOOKINGS });
  const refresh = () => {
    refetchSlots({ requestPolicy: 'network-only' });
    refetchBookings({ requestPolicy: 'network-only' });
  };
  useUserEvents(refresh, ['MATCHED', 'MATCH_CANCELLED', 'SESSION_ENDED']);
  const mine = new Map(
    (bookings.data?.myBookings ?? []).filter((b) => ACTIVE.includes(b.status)).map((b) => [b.slot.id, b]),
  );
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
              <SlotRow key={s.id} slot={s} booking={mine.get(s.id)} onChange={refresh} />
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

function SlotRow({ slot, booking, onChange }: { slot: Slot; booking: Booking | undefined; onChange: () => void }) {
  const [difficulty, setDifficulty] = useState('MEDIUM');
  const [bookState, book] = useMutation(BOOK);
  const [cancelState, cancel] = useMutation(CANCEL);
  const [room] = useSubscription<{ waitingRoom: { waitingCount: number } }>({
    query: ROOM,
    variables: { slotId: slot.id },
    pause: !booking,
  });
  const waiting = room.data?.waitingRoom.waitingCount ?? slot.waitingCount;
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
          <b>{slot.bookedCount}</b> booked
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
            onChange={(e) => setDifficulty(e.target.value)}
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
