// The viewer's `events` stream as a list: stored ones (notifications), then
// live ones as they arrive; ids are cursors, so nothing shows twice.
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { NotificationsDocument } from '../api';
import { fmtDateTime, title } from '../format';
import { useEventLog } from '../session';

export function Notifications() {
  const live = useEventLog();
  const [{ data }] = useQuery({
    query: NotificationsDocument,
    variables: { first: 50 },
    requestPolicy: 'network-only',
  });
  const seen = new Set<string>();
  const all = [...live, ...(data?.notifications.edges.map((e) => e.node) ?? [])]
    .filter((e) => !seen.has(e.id) && seen.add(e.id))
    .sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)));
  return (
    <section>
      <div className="page-head">
        <h1>Notifications</h1>
        <p className="muted">Everything that happened to you, live.</p>
      </div>
      {all.length === 0 && <p className="card muted">Nothing yet.</p>}
      <ul className="rows" aria-live="polite">
        {all.map((e) => (
          <li key={e.id} className="row" data-testid="notification" data-event-id={e.id}>
            <div className="when">
              <strong>{title(e.type)}</strong>
              <span className="muted">{fmtDateTime(e.at)}</span>
            </div>
            {e.interview && <Link to={`/session/${e.interview.id}`}>Open interview</Link>}
          </li>
        ))}
      </ul>
    </section>
  );
}
