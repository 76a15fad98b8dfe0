// The interview session: participants and roles, controls, the peer's presence,
// chat (typing, read receipts, edit, delete), video, and feedback at the end.
// Panels are components in components/session/, so adding one is one file.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import {
  EndInterviewDocument,
  errorText,
  InterviewSessionDocument,
  InterviewSessionEventsDocument,
  onSocketConnected,
  StartInterviewDocument,
  SwapRolesDocument,
  type InterviewSessionEventsSubscription,
  type InterviewSessionQuery,
} from '../api';
import { title } from '../format';
import { useMe } from '../session';
import { Chat, type ChatMessage } from '../components/session/Chat';
import { FeedbackPanel } from '../components/session/Feedback';
import { VideoPanel } from '../components/session/Video';
import { CodePad } from '../components/session/CodePad';
import { QuestionPanel } from '../components/session/Questions';
import { FormError } from './SignIn';

export type InterviewData = NonNullable<InterviewSessionQuery['interview']>;

export function Session() {
  const { interviewId } = useParams();
  const me = useMe()!;
  const [{ data, error, fetching }, refetch] = useQuery({
    query: InterviewSessionDocument,
    variables: { id: interviewId ?? '' },
    requestPolicy: 'network-only',
  });
  const interview = data?.interview ?? null;
  const [messages, setMessages] = useState(new Map<string, ChatMessage>());
  const [peerTyping, setPeerTyping] = useState(false);
  const [peerHere, setPeerHere] = useState<boolean | null>(null);
  const [peerRead, setPeerRead] = useState<string | null>(null);
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);

  // The query's messages (first load, and again after a reconnect) merge with live ones by id: none lost, none twice.
  useEffect(() => {
    if (!interview) return;
    setMessages((prev) => {
      const next = new Map(prev);
      for (const { node } of interview.messages.edges) next.set(node.id, node);
      return next;
    });
    setPeerRead((prev) => prev ?? interview.readReceipts.find((r) => r.user.id !== me.id)?.lastReadMessageId ?? null);
  }, [interview, me.id]);
  useEffect(() => onSocketConnected((reconnect) => reconnect && reload()), [reload]);

  useSubscription<InterviewSessionEventsSubscription>(
    { query: InterviewSessionEventsDocument, variables: { interviewId: interviewId ?? '' } },
    (_prev, { interviewSession: e }) => {
      const mine = e.actor?.id === me.id;
      switch (e.type) {
        case 'MESSAGE_SENT':
        case 'MESSAGE_EDITED':
        case 'MESSAGE_DELETED':
          if (e.message) {
            const message = e.message;
            setMessages((prev) => new Map(prev).set(message.id, message));
          }
          if (e.type === 'MESSAGE_SENT' && !mine) setPeerTyping(false);
          break;
        case 'TYPING_STARTED':
        case 'TYPING_STOPPED':
          if (!mine) setPeerTyping(e.type === 'TYPING_STARTED');
          break;
        case 'PEER_JOINED':
        case 'PEER_LEFT':
          if (e.data?.__typename === 'UserData' && e.data.userId !== me.id) setPeerHere(e.type === 'PEER_JOINED');
          break;
        case 'MESSAGES_READ':
          if (e.data?.__typename === 'MessagesReadData' && e.data.userId !== me.id) setPeerRead(e.data.upToMessageId);
          break;
        case 'SESSION_STARTED':
        case 'SESSION_ENDED':
        case 'ROLES_SWAPPED':
          reload();
          break;
      }
      return { interviewSession: e };
    },
  );

  const sorted = useMemo(
    () => [...messages.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)),
    [messages],
  );
  if (fetching && !interview) return <p role="status">Loading the session…</p>;
  if (error || !interview)
    return (
      <p className="card">
        {errorText(error) ?? 'Interview not found.'} <Link to="/slots">Back to slots</Link>
      </p>
    );

  const mePart = interview.participants.find((p) => p.user.id === me.id);
  const peer = interview.participants.find((p) => p.user.id !== me.id);
  const online = peerHere ?? peer?.user.online ?? false;
  return (
    <div className="session">
      <section className="card session-head">
        <div>
          <h1>
            {title(interview.type)} interview{' '}
            <span className={`badge ${interview.status.toLowerCase()}`}>{title(interview.status)}</span>
          </h1>
          <p>
            You are the <strong data-testid="my-role">{mePart?.role ?? '—'}</strong>
            {peer && (
              <>
                {' '}
                with <strong>{peer.user.name}</strong> ({title(peer.role).toLowerCase()}){' '}
                {online ? (
                  <span className="presence on" data-testid="peer-online">
                    Online
                  </span>
                ) : (
                  <span className="presence off" data-testid="peer-offline">
                    Not here
                  </span>
                )}
              </>
            )}
          </p>
        </div>
        <Controls interview={interview} onChange={reload} />
      </section>
      <QuestionPanel questions={interview.questions} meId={me.id} />
      <div className="session-grid">
        <VideoPanel
          video={interview.video}
          me={me}
          active={interview.status !== 'COMPLETED' && interview.status !== 'CANCELLED'}
        />
        <Chat
          interviewId={interview.id}
          meId={me.id}
          messages={sorted}
          peerTyping={peerTyping}
          peerName={peer?.user.name ?? 'Your peer'}
          peerReadUpTo={peerRead}
          readOnly={interview.status === 'CANCELLED'}
        />
      </div>
      {interview.type === 'TECHNICAL' && (
        <CodePad interviewId={interview.id} editable={interview.status === 'IN_PROGRESS'} />
      )}
      {interview.status === 'COMPLETED' && <FeedbackPanel interview={interview} meId={me.id} onSubmitted={reload} />}
    </div>
  );
}

function Controls({ interview, onChange }: { interview: InterviewData; onChange: () => void }) {
  const [start, doStart] = useMutation(StartInterviewDocument);
  const [swap, doSwap] = useMutation(SwapRolesDocument);
  const [end, doEnd] = useMutation(EndInterviewDocument);
  const id = interview.id;
  const open = interview.status === 'SCHEDULED' || interview.status === 'IN_PROGRESS';
  return (
    <div className="controls">
      {interview.status === 'SCHEDULED' && (
        <button
          data-testid="start-interview"
          disabled={start.fetching}
          onClick={() => doStart({ interviewId: id }).then(onChange)}
        >
          Start interview
        </button>
      )}
      {open && (
        <button
          className="secondary"
          data-testid="swap-roles"
          disabled={swap.fetching}
          onClick={() => doSwap({ interviewId: id }).then(onChange)}
        >
          Swap roles
        </button>
      )}
      {interview.status === 'IN_PROGRESS' && (
        <button
          className="danger"
          data-testid="end-interview"
          disabled={end.fetching}
          onClick={() => doEnd({ interviewId: id }).then(onChange)}
        >
          End interview
        </button>
      )}
      <FormError text={errorText(start.error ?? swap.error ?? end.error)} />
    </div>
  );
}
