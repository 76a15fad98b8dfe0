// Development only: the newest email queued for the user, with its link, where
// no SMTP server delivers it. Renders nothing when the server has it off.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { DevOutboxDocument } from '../api';

export function DevOutbox({ email, refreshKey = 0 }: { email?: string; refreshKey?: number }) {
  const [{ data, error }, refetch] = useQuery({
    query: DevOutboxDocument,
    variables: { email: email ?? null, first: 1 },
    requestPolicy: 'network-only',
    pause: email === '',
  });
  useEffect(() => {
    if (!refreshKey) return;
    // The server may queue the email just after answering: look again shortly.
    refetch({ requestPolicy: 'network-only' });
    const timers = [1_000, 3_000].map((ms) => setTimeout(() => refetch({ requestPolicy: 'network-only' }), ms));
    return () => timers.forEach(clearTimeout);
  }, [refreshKey, refetch]);
  const mail = data?.devOutbox[0];
  if (error || !mail) return null;
  return (
    <aside className="dev-outbox" aria-label="Development outbox" data-testid="dev-outbox">
      <strong>Development outbox</strong> (no SMTP configured): “{mail.subject}”,{' '}
      {new Date(mail.createdAt).toLocaleTimeString()}.{' '}
      {mail.link && (
        <a href={mail.link} data-testid="dev-outbox-link">
          Open the link
        </a>
      )}
    </aside>
  );
}
