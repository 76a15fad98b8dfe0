// Past interviews with the feedback received (under the reveal rule) and the
// viewer's stats; refreshed by FEEDBACK_RECEIVED and SESSION_ENDED events.
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { MyStatsDocument, WebHistoryDocument } from '../api';
import { fmtDateTime, title } from '../format';
import { useMe, useUserEvents } from '../session';
import { Bars } from '../components/Chart';
import { Reports } from '../components/Reports';
import { FeedbackView } from '../components/session/Feedback';

export function History() {
  const me = useMe()!;
  const [{ data, fetching }, refetch] = useQuery({ query: WebHistoryDocument, requestPolicy: 'network-only' });
  const [stats, refetchStats] = useQuery({ query: MyStatsDocument, requestPolicy: 'network-only' });
  useUserEvents(() => {
    refetch({ requestPolicy: 'network-only' });
    refetchStats({ requestPolicy: 'network-only' });
  }, ['FEEDBACK_RECEIVED', 'SESSION_ENDED', 'MATCHED']);
  if ((fetching && !data) || (stats.fetching && !stats.data)) return <p role="status">Loading your history…</p>;
  if (!data || !stats.data) return null;
  const s = stats.data.myStats;
  const avg = s.averageRatings;
  return (
    <section>
      <div className="page-head">
        <h1>Your history</h1>
      </div>
      <div className="history-top">
        <div className="card">
          <h2>Progress</h2>
          <div className="stats">
            <div className="stat">
              <span className="label">Completed</span>
              <b>{s.completed}</b>
            </div>
            {s.completedByType.map((t) => (
              <div className="stat" key={t.type}>
                <span className="label">{title(t.type)}</span>
                <b>{t.count}</b>
              </div>
            ))}
            <div className="stat">
              <span className="label">Feedback received</span>
              <b>{s.feedbackReceived}</b>
            </div>
            <div className="stat">
              <span className="label">No-shows</span>
              <b>{s.noShows}</b>
            </div>
          </div>
        </div>
        <div className="card">
          <h2>Average ratings received</h2>
          <Bars
            label="Average ratings received, out of 5"
            max={5}
            data={[
              { label: 'Communication', value: avg.communication },
              { label: 'Good match', value: avg.goodMatch },
              { label: 'Technical', value: avg.technical },
              { label: 'Problem solving', value: avg.problemSolving },
            ]}
          />
        </div>
      </div>
      <Reports />
      <h2>Interviews</h2>
      {data.myInterviews.edges.length === 0 && (
        <p className="card muted">No interviews yet. Book a slot to get started.</p>
      )}
      <ul className="history">
        {data.myInterviews.edges.map(({ node: i }) => {
          const peer = i.participants.find((p) => p.user.id !== me.id)?.user;
          const received = i.feedback.find((f) => f.subject.id === me.id);
          return (
            <li key={i.id} className="card" data-testid="history-item" data-interview-id={i.id}>
              <div className="row-head">
                <strong>
                  {title(i.type)} with {peer?.name ?? 'a peer'}
                </strong>
                <span className={`badge ${i.status.toLowerCase()}`}>{title(i.status)}</span>
                <span className="muted">{fmtDateTime(i.matchedAt)}</span>
                <Link to={`/session/${i.id}`}>Open</Link>
              </div>
              {received ? (
                <FeedbackView title={`Feedback from ${received.author.name}`} f={received} />
              ) : (
                i.status === 'COMPLETED' && (
                  <p className="muted">
                    Feedback from your peer shows here once both of you have sent yours (or 48 hours after the end).
                  </p>
                )
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
