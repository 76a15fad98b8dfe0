// Instant interview requests addressed to the viewer, shown on every screen;
// an accepted request (either side) opens its session.
import { useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { errorText, MyInstantRequestsDocument, RespondToInstantRequestDocument } from '../api';
import { title } from '../format';
import { useMe, useUserEvents } from '../session';

export function IncomingRequests() {
  const me = useMe();
  const navigate = useNavigate();
  const [{ data }, refetch] = useQuery({ query: MyInstantRequestsDocument });
  const [state, respond] = useMutation(RespondToInstantRequestDocument);
  useUserEvents(
    (e) => {
      refetch({ requestPolicy: 'network-only' });
      if (e.type === 'INSTANT_REQUEST_ACCEPTED' && e.interview) void navigate(`/session/${e.interview.id}`);
    },
    ['INSTANT_REQUEST_RECEIVED', 'INSTANT_REQUEST_ACCEPTED', 'INSTANT_REQUEST_REJECTED', 'INSTANT_REQUEST_EXPIRED'],
  );
  const incoming = (data?.myInstantRequests ?? []).filter((r) => r.addressee.id === me?.id && r.status === 'PENDING');
  if (!incoming.length) return null;
  return (
    <div className="incoming" role="region" aria-label="Incoming interview requests">
      {incoming.map((r) => (
        <div key={r.id} className="banner call" data-testid="instant-request" role="alert">
          <span>
            <strong>{r.requester.name}</strong> asks you for a {title(r.type).toLowerCase()} interview (
            {title(r.difficulty).toLowerCase()}) now.
          </span>
          <span className="actions">
            <button
              data-testid="instant-accept"
              disabled={state.fetching}
              onClick={async () => {
                const res = await respond({ requestId: r.id, accept: true });
                const id = res.data?.respondToInstantRequest.interview?.id;
                if (id) void navigate(`/session/${id}`);
                refetch({ requestPolicy: 'network-only' });
              }}
            >
              Accept
            </button>
            <button
              className="ghost"
              data-testid="instant-reject"
              disabled={state.fetching}
              onClick={() =>
                respond({ requestId: r.id, accept: false }).then(() => refetch({ requestPolicy: 'network-only' }))
              }
            >
              Decline
            </button>
          </span>
        </div>
      ))}
      {state.error && <p className="error">{errorText(state.error)}</p>}
    </div>
  );
}
