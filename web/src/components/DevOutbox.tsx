// Development only: the newest email queued for the user, with its link, where
// no SMTP server delivers it. Renders nothing when the server has it off.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { gql } from '../api';

const OUTBOX = gql`
  query DevOutbox($email: String) {
    devOutbox(email: $email, first: 1) {
      id
      subject
      link
      createdAt
    }
  }
`;

export function DevOutbox({ email, refreshKey = 0 }: { email?: string; refreshKey?: number }) {
  const [{ data, error }, refetch] = useQuery<{
    devOutbox: { id: string; subject: string; link: string | null; createdAt: string }[];
  }>({
    query: OUTBOX,
    variables: { email: email ?? null },
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
