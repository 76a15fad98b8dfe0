// Progress reports (a PDF over all of the viewer's interviews): request one,
// follow it live through REPORT_* events, download it once COMPLETED.
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, MyReportsDocument, RequestProgressReportDocument } from '../api';
import { fmtDateTime } from '../format';
import { useUserEvents } from '../session';
import { FormError } from '../screens/SignIn';

export function Reports() {
  const [{ data }, refetch] = useQuery({
    query: MyReportsDocument,
    variables: { first: 1 },
    requestPolicy: 'network-only',
  });
  const [state, request] = useMutation(RequestProgressReportDocument);
  const [live, setLive] = useState<{ id: string; progress: number; step: string | null } | null>(null);
  const report =
    state.data?.requestProgressReport && state.data.requestProgressReport.id !== data?.myReports.edges[0]?.node.id
      ? state.data.requestProgressReport
      : (data?.myReports.edges[0]?.node ?? state.data?.requestProgressReport);
  useUserEvents(
    (e) => {
      const d = e.data;
      if (d?.__typename === 'ReportProgressData') {
        setLive((prev) => ({
          id: d.reportId,
          progress: Math.max(d.progress, prev?.id === d.reportId ? prev.progress : 0),
          step: d.step,
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
