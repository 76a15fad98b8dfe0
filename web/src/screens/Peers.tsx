// Instant interviews: be available, see available peers, send a request and
// follow it (cancel while pending). Incoming ones show on every screen.
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, gql } from '../api';
import { DIFFICULTIES, title } from '../format';
import { useMe, useUserEvents } from '../session';
import { INSTANT_FIELDS, MY_REQUESTS, type InstantRequest } from '../components/IncomingRequests';
import { FormError } from './SignIn';

const PEERS = gql`
  query AvailablePeers {
    availablePeers {
      id
      name
      online
      availability
    }
    me {
      id
      availability
    }
  }
`;
const AVAILABILITY = gql`
  mutation SetAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
      availability
    }
  }
`;
const REQUEST = gql`mutation RequestInstant($input: InstantInterviewInput!) { requestInstantInterview(input: $input) { ${INSTANT_FIELDS} } }`;
const CANCEL = gql`
  mutation CancelInstant($requestId: ID!) {
    cancelInstantRequest(requestId: $requestId) {
      id
      status
    }
  }
`;

export function Peers() {
  const me = useMe();
  const [type, setType] = useState('TECHNICAL');
  const [difficulty, setDifficulty] = useState('MEDIUM');
  const [peers, refetchPeers] = useQuery<{
    availablePeers: { id: string; name: string }[];
    me: { availability: string };
  }>({ query: PEERS, requestPolicy: 'network-only' });
  const [mine, refetchMine] = useQuery<{ myInstantRequests: InstantRequest[] }>({ query: MY_REQUESTS });
  const [avail, setAvailability] = useMutation(AVAILABILITY);
  const [req, request] = useMutation(REQUEST);
  const [, cancel] = useMutation(CANCEL);
  const refresh = () => {
    refetchPeers({ requestPolicy: 'network-only' });
    refetchMine({ requestPolicy: 'network-only' });
  };
  useUserEvents(refresh, [
    'AVAILABILITY_CHANGED',
    'USER_ONLINE',
    'USER_OFFLINE',
    'INSTANT_REQUEST_REJECTED',
    'INSTANT_REQUEST_EXPIRED',
    'INSTANT_REQUEST_RECEIVED',
  ]);
  const outgoing = (mine.data?.myInstantRequests ?? []).filter(
    (r) => r.requester.id === me?.id && r.status === 'PENDING',
  );
  const available = peers.data?.me.availability === 'AVAILABLE';
  return (
    <section>
      <div className="page-head">
        <h1>Interview now</h1>
        <p className="muted">Ask a peer who is online and available for an interview right away.</p>
      </div>
      <div className="card">
        <label className="switch">
          <input
            type="checkbox"
            data-testid="availability"
            checked={available}
            disabled={avail.fetching}
            onChange={(e) => setAvailability({ availability: e.target.checked ? 'AVAILABLE' : 'BUSY' }).then(refresh)}
          />
          I take instant interview requests
        </label>
        <div className="inline-fields">
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.target.value)}>
              <option value="TECHNICAL">Technical</option>
              <option value="BEHAVIORAL">Behavioral</option>
            </select>
          </label>
          <label>
            Difficulty
            <select value={difficulty} onChange={(e) => setDifficulty(e.target.value)}>
              {DIFFICULTIES.map((d) => (
                <option key={d} value={d}>
                  {title(d)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {outgoing.map((r) => (
        <div key={r.id} className="banner" role="status" data-testid="instant-outgoing">
          Waiting for {r.addressee.name} to answer…
          <button className="ghost" onClick={() => cancel({ requestId: r.id }).then(refresh)}>
            Cancel request
          </button>
        </div>
      ))}
      <h2>Available peers</h2>
      {peers.data && peers.data.availablePeers.length === 0 && (
        <p className="card muted">Nobody is available right now. Keep this page open: it updates by itself.</p>
      )}
      <ul className="rows">
        {peers.data?.availablePeers.map((p) => (
          <li key={p.id} className="row" data-testid="peer-row" data-user-id={p.id}>
            <div className="when">
              <strong>{p.name}</strong>
              <span className="presence on">Online</span>
            </div>
            <button
              data-testid="instant-request-send"
              disabled={req.fetching || outgoing.length > 0}
              onClick={() => request({ input: { peerId: p.id, type, difficulty } }).then(refresh)}
            >
              Ask for an interview
            </button>
          </li>
        ))}
      </ul>
      <FormError text={errorText(req.error)} />
    </section>
  );
}
