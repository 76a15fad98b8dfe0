// A booking's waiting room: live counts by difficulty, "you are waiting", then
// the match with the peer's name and the way into the session.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import {
  errorText,
  JoinWaitingRoomDocument,
  LeaveWaitingRoomDocument,
  WaitingRoomDocument,
  WaitingRoomEventsDocument,
  WebWaitingRoomBookingsDocument,
} from '../api';
import { DIFFICULTIES, fmtDateTime, title } from '../format';
import { useMe, useUserEvents } from '../session';
import { FormError } from './SignIn';

export function WaitingRoom() {
  const { bookingId } = useParams();
  const me = useMe();
  const [bookings, refetch] = useQuery({ query: WebWaitingRoomBookingsDocument, requestPolicy: 'network-only' });
  const booking = bookings.data?.myBookings.find((b) => b.id === bookingId);
  const slotId = booking?.slot.id;
  const [room] = useQuery({
    query: WaitingRoomDocument,
    variables: { slotId: slotId ?? '' },
    pause: !slotId,
    requestPolicy: 'network-only',
  });
  const [live] = useSubscription({
    query: WaitingRoomEventsDocument,
    variables: { slotId: slotId ?? '' },
    pause: !slotId,
  });
  const [joinState, join] = useMutation(JoinWaitingRoomDocument);
  const [leaveState, leave] = useMutation(LeaveWaitingRoomDocument);
  const [matched, setMatched] = useState<string | null>(null);
  useUserEvents(
    (e) => {
      if (e.data?.__typename === 'MatchedData' && e.data.slotId === slotId && e.interview) {
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
            onClick={() => leave({ bookingId: booking.id }).then(() => refetch({ requestPolicy: 'network-only' }))}
          >
            Leave
          </button>
        </div>
      ) : booking.status === 'BOOKED' ? (
        <button
          data-testid="join-waiting-room"
          disabled={joinState.fetching}
          onClick={() => join({ bookingId: booking.id }).then(() => refetch({ requestPolicy: 'network-only' }))}
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
