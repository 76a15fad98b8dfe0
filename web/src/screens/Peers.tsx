// Instant interviews: be available, see available peers, send a request and
// follow it (cancel while pending). Incoming ones show on every screen.
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import {
  AvailablePeersLiveDocument,
  CancelInstantRequestDocument,
  errorText,
  MeDocument,
  MyInstantRequestsDocument,
  RequestInstantInterviewDocument,
  SetAvailabilityDocument,
  type Difficulty,
  type InterviewType,
} from '../api';
import { DIFFICULTIES, title } from '../format';
import { useMe, useUserEvents } from '../session';
import { FormError } from './SignIn';

export function Peers() {
  const me = useMe();
  const [type, setType] = useState<InterviewType>('TECHNICAL');
  const [difficulty, setDifficulty] = useState<Difficulty>('MEDIUM');
  // The list now, then again whenever anyone's presence or availability changes (no refetching).
  const [peers] = useSubscription({ query: AvailablePeersLiveDocument });
  const [self, refetchSelf] = useQuery({ query: MeDocument, requestPolicy: 'network-only' });
  const [mine, refetchMine] = useQuery({ query: MyInstantRequestsDocument });
  const [avail, setAvailability] = useMutation(SetAvailabilityDocument);
  const [req, request] = useMutation(RequestInstantInterviewDocument);
  const [, cancel] = useMutation(CancelInstantRequestDocument);
  const refresh = () => {
    refetchSelf({ requestPolicy: 'network-only' });
    refetchMine({ requestPolicy: 'network-only' });
  };
  useUserEvents(refresh, [
    'AVAILABILITY_CHANGED',
    'INSTANT_REQUEST_REJECTED',
    'INSTANT_REQUEST_EXPIRED',
    'INSTANT_REQUEST_RECEIVED',
  ]);
  const outgoing = (mine.data?.myInstantRequests ?? []).filter(
    (r) => r.requester.id === me?.id && r.status === 'PENDING',
  );
  const available = self.data?.me?.availability === 'AVAILABLE';
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
            <select value={type} onChange={(e) => setType(e.target.value as InterviewType)}>
              <option value="TECHNICAL">Technical</option>
              <option value="BEHAVIORAL">Behavioral</option>
            </select>
          </label>
          <label>
            Difficulty
            <select value={difficulty} onChange={(e) => setDifficulty(e.target.value as Difficulty)}>
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
