// Progress reports (a PDF over all of the viewer's interviews): request one,
// follow it live through REPORT_* events, download it once COMPLETED.
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, gql } from '../api';
import { fmtDateTime } from '../format';
import { useUserEvents } from '../session';
import { FormError } from '../screens/SignIn';

const REPORT_FIELDS = 'id status progress createdAt completedAt error downloadUrl';
const REPORTS = gql`query MyLatestReport { myReports(first: 1) { edges { node { ${REPORT_FIELDS} } } } }`;
const REQUEST = gql`mutation RequestProgressReport { requestProgressReport { ${REPORT_FIELDS} } }`;

interface Report {
  id: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  progress: number;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
  downloadUrl: string | null;
}

export function Reports() {
  const [{ data }, refetch] = useQuery<{ myReports: { edges: { node: Report }[] } }>({
    query: REPORTS,
    requestPolicy: 'network-only',
  });
  const [state, request] = useMutation<{ requestProgressReport: Report }>(REQUEST);
  const [live, setLive] = useState<{ id: string; progress: number; step: string | null } | null>(null);
  const report =
    state.data?.requestProgressReport && state.data.requestProgressReport.id !== data?.myReports.edges[0]?.node.id
      ? state.data.requestProgressReport
      : (data?.myReports.edges[0]?.node ?? state.data?.requestProgressReport);
  useUserEvents(
    (e) => {
      const p = e.payload ?? {};
      const id = typeof p['reportId'] === 'string' ? p['reportId'] : '';
      if (e.type === 'REPORT_PROGRESS') {
        setLive((prev) => ({
          id,
          progress: Math.max(Number(p['progress']) || 0, prev?.id === id ? prev.progress : 0),
          step: (p['step'] as string) ?? null,
        }));
      } else {
        refetch({ requestPolicy: 'network-only' });
      }
    },
    ['REPORT_STARTED', 'REPORT_PROGRESS', 'REPORT_COMPLETED', 'REPORT_FAILED'],
  );
  const busy = report && (report.status === 'PENDING' || report.status === 'RUNNING');
  const progress = report ? Math.max(report.progress, live?.id === report.id ? live.progress : 0) : 0;
  return (
    <div className="card" data-testid="reports">
      <h2>Progress report</h2>
      <p className="muted">A PDF of your interviews, ratings and trends.</p>
      <button
        data-testid="report-request"
        disabled={state.fetching || Boolean(busy)}
        onClick={async () => {
          setLive(null);
          await request({});
          refetch({ requestPolicy: 'network-only' });
        }}
      >
        Request progress report
      </button>
      {report && busy && (
        <p>
          <label>
            {live?.id === report.id && live.step ? `Working: ${live.step}` : 'Preparing your report'} ({progress}%)
            <progress data-testid="report-progress" max={100} value={progress} />
          </label>
        </p>
      )}
      {report?.status === 'COMPLETED' && report.downloadUrl && (
        <p role="status">
          Ready {report.completedAt && `since ${fmtDateTime(report.completedAt)}`}:{' '}
          <a data-testid="report-download" href={report.downloadUrl} target="_blank" rel="noreferrer">
            Download the report (PDF)
          </a>
        </p>
      )}
      {report?.status === 'FAILED' && (
        <p className="error">The report failed{report.error ? `: ${report.error}` : ''}. Try again.</p>
      )}
      <FormError text={errorText(state.error)} />
    </div>
  );
}
