// A booking's waiting room: live counts by difficulty, "you are waiting", then
// the match with the peer's name and the way into the session.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { errorText, gql } from '../api';
import { DIFFICULTIES, fmtDateTime, title } from '../format';
import { useMe, useUserEvents } from '../session';
import { FormError } from './SignIn';

interface Booking {
  id: string;
  status: string;
  difficulty: string;
  slot: { id: string; type: string; startsAt: string; endsAt: string };
  interview: { id: string; participants: { user: { id: string; name: string } }[] } | null;
}
interface Counts {
  waitingCount: number;
  byDifficulty: { difficulty: string; count: number }[];
}

const BOOKINGS = gql`
  query WaitingRoomBookings {
    myBookings {
      id
      status
      difficulty
      slot {
        id
        type
        startsAt
        endsAt
      }
      interview {
        id
        participants {
          user {
            id
            name
          }
        }
      }
    }
  }
`;
const ROOM = gql`
  query WaitingRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      waitingCount
      byDifficulty {
        difficulty
        count
      }
    }
  }
`;
const ROOM_LIVE = gql`
  subscription WaitingRoomLive($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      waitingCount
      byDifficulty {
        difficulty
        count
      }
    }
  }
`;
const JOIN = gql`
  mutation JoinWaitingRoom($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`;
const LEAVE = gql`
  mutation LeaveWaitingRoom($bookingId: ID!) {
    leaveWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`;

export function WaitingRoom() {
  const { bookingId } = useParams();
  const me = useMe();
  const [bookings, refetch] = useQuery<{ myBookings: Booking[] }>({ query: BOOKINGS, requestPolicy: 'network-only' });
  const booking = bookings.data?.myBookings.find((b) => b.id === bookingId);
  const slotId = booking?.slot.id;
  const [room] = useQuery<{ waitingRoom: Counts }>({
    query: ROOM,
    variables: { slotId },
    pause: !slotId,
    requestPolicy: 'network-only',
  });
  const [live] = useSubscription<{ waitingRoom: Counts }>({ query: ROOM_LIVE, variables: { slotId }, pause: !slotId });
  const [joinState, join] = useMutation(JOIN);
  const [leaveState, leave] = useMutation(LEAVE);
  const [matched, setMatched] = useState<string | null>(null);
  useUserEvents(
    (e) => {
      if (e.type === 'MATCHED' && e.payload?.['slotId'] === slotId && e.interview) {
        setMatched(e.interview.id);
        refetch({ requestPolicy: 'network-only' });
      }
      if (e.type === 'MATCH_CANCELLED') refetch({ requestPolicy: 'network-only' });
    },
    ['MATCHED', 'MATCH_CANCELLED'],
  );

  if (bookings.fetching && !bookings.data) return <p role="status">Loading…</p>;
  if (!booking)
    return (
      <p className="card">
        This booking was not found. <Link to="/slots">Back to slots</Link>
      </p>
    );
  const counts = live.data?.waitingRoom ?? room.data?.waitingRoom;
  const interviewId = matched ?? booking.interview?.id ?? null;
  const peer = booking.interview?.participants.find((p) => p.user.id !== me?.id)?.user;

  return (
    <section className="card">
      <h1>Waiting room</h1>
      <p className="muted">
        {title(booking.slot.type)} interview, {fmtDateTime(booking.slot.startsAt)}. You booked{' '}
        {title(booking.difficulty).toLowerCase()}.
      </p>
      <div className="stats" aria-live="polite">
        <div className="stat">
          <span className="label">Waiting now</span>
          <b data-testid="waiting-count">{counts?.waitingCount ?? 0}</b>
        </div>
        {DIFFICULTIES.map((d) => (
          <div className="stat" key={d}>
            <span className="label">{title(d)}</span>
            <b>{counts?.byDifficulty.find((c) => c.difficulty === d)?.count ?? 0}</b>
          </div>
        ))}
      </div>
      {interviewId ? (
        <div className="banner success" data-testid="match-banner" role="status">
          <span>You are matched{peer ? ` with ${peer.name}` : ''}! Your interview is ready.</span>
          <Link className="button" data-testid="open-session" to={`/session/${interviewId}`}>
            Open session
          </Link>
        </div>
      ) : booking.status === 'WAITING' ? (
        <div className="banner" role="status">
          <span className="pulse" aria-hidden="true" /> You are waiting. We pair you with a peer of a similar level as
          soon as one is here.
          <button
            className="ghost"
            disabled={leaveState.fetching}
            onClick={() => leave({ bookingId }).then(() => refetch({ requestPolicy: 'network-only' }))}
          >
            Leave
          </button>
        </div>
      ) : booking.status === 'BOOKED' ? (
        <button
          data-testid="join-waiting-room"
          disabled={joinState.fetching}
          onClick={() => join({ bookingId }).then(() => refetch({ requestPolicy: 'network-only' }))}
        >
          Join the waiting room
        </button>
      ) : (
        <p>This booking is {title(booking.status).toLowerCase()}.</p>
      )}
      <FormError text={errorText(joinState.error ?? leaveState.error)} />
    </section>
  );
}
