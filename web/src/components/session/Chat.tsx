// Session chat: messages, typing indicator, read receipts, edit and delete.
import { useEffect, useRef, useState } from 'react';
import { useMutation } from 'urql';
import {
  DeleteMessageDocument,
  EditMessageDocument,
  errorText,
  MarkMessagesReadDocument,
  SendMessageDocument,
  SetTypingDocument,
  type MessageFieldsFragment,
} from '../../api';
import { fmtTime } from '../../format';

export type ChatMessage = MessageFieldsFragment;

/** setTyping(true) at most this often while keys are pressed; the server stops it 5 s after the last one. */
const TYPING_EVERY_MS = 3_000;

export function Chat(props: {
  interviewId: string;
  meId: string;
  messages: ChatMessage[];
  peerTyping: boolean;
  peerName: string;
  peerReadUpTo: string | null;
  readOnly: boolean;
}) {
  const { interviewId, meId, messages } = props;
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<{ id: string; body: string } | null>(null);
  const [send, doSend] = useMutation(SendMessageDocument);
  const [edit, doEdit] = useMutation(EditMessageDocument);
  const [del, doDelete] = useMutation(DeleteMessageDocument);
  const [, setTyping] = useMutation(SetTypingDocument);
  const [, markRead] = useMutation(MarkMessagesReadDocument);
  const lastTyping = useRef(0);
  const lastRead = useRef<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  // Everything shown from the peer counts as read.
  const lastFromPeer = [...messages].reverse().find((m) => m.sender.id !== meId);
  useEffect(() => {
    if (lastFromPeer && lastRead.current !== lastFromPeer.id) {
      lastRead.current = lastFromPeer.id;
      void markRead({ interviewId, upToMessageId: lastFromPeer.id });
    }
  }, [lastFromPeer, interviewId, markRead]);
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [messages.length]);

  const seenIndex = props.peerReadUpTo ? messages.findIndex((m) => m.id === props.peerReadUpTo) : -1;
  const lastMineIndex = messages.map((m) => m.sender.id).lastIndexOf(meId);

  return (
    <section className="card chat" aria-label="Chat">
      <h2>Chat</h2>
      <ol className="messages" ref={list} aria-live="polite">
        {messages.length === 0 && <li className="muted empty">No messages yet. Say hello!</li>}
        {messages.map((m, i) => (
          <li
            key={m.id}
            data-testid="chat-message"
            data-message-id={m.id}
            className={m.sender.id === meId ? 'mine' : 'theirs'}
          >
            <div className="meta">
              <span>{m.sender.id === meId ? 'You' : m.sender.name}</span>{' '}
              <time dateTime={m.createdAt}>{fmtTime(m.createdAt)}</time>
              {m.editedAt && !m.deleted && <span className="muted"> · edited</span>}
            </div>
            {editing?.id === m.id ? (
              <form
                className="inline"
                onSubmit={async (e) => {
                  e.preventDefault();
                  const r = await doEdit({ messageId: m.id, body: editing.body });
                  if (r.data) setEditing(null);
                }}
              >
                <label className="sr-only" htmlFor={`edit-${m.id}`}>
                  Edit message
                </label>
                <input
                  id={`edit-${m.id}`}
                  value={editing.body}
                  onChange={(e) => setEditing({ id: m.id, body: e.target.value })}
                  autoFocus
                />
                <button>Save</button>
                <button type="button" className="ghost" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : (
              <p className={m.deleted ? 'body deleted' : 'body'}>{m.deleted ? 'Message deleted' : m.body}</p>
            )}
            {m.sender.id === meId && !m.deleted && editing?.id !== m.id && !props.readOnly && (
              <div className="msg-actions">
                <button
                  className="link"
                  onClick={() => setEditing({ id: m.id, body: m.body ?? '' })}
                  aria-label="Edit message"
                >
                  Edit
                </button>
                <button className="link" onClick={() => doDelete({ messageId: m.id })} aria-label="Delete message">
                  Delete
                </button>
              </div>
            )}
            {i === lastMineIndex && seenIndex >= i && (
              <div className="seen" data-testid="read-receipt">
                Seen by {props.peerName}
              </div>
            )}
          </li>
        ))}
      </ol>
      <p className="typing" aria-live="polite">
        {props.peerTyping && <span data-testid="peer-typing">{props.peerName} is typing…</span>}
      </p>
      {props.readOnly ? (
        <p className="muted">This interview was cancelled; its chat is read-only.</p>
      ) : (
        <form
          className="compose"
          onSubmit={async (e) => {
            e.preventDefault();
            const body = text.trim();
            if (!body) return;
            const r = await doSend({ interviewId, body });
            if (r.data) {
              setText('');
              lastTyping.current = 0;
            }
          }}
        >
          <label className="sr-only" htmlFor="chat-input">
            Message
          </label>
          <input
            id="chat-input"
            data-testid="chat-input"
            placeholder="Write a message"
            autoComplete="off"
            maxLength={4000}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              const now = Date.now();
              if (e.target.value && now - lastTyping.current > TYPING_EVERY_MS) {
                lastTyping.current = now;
                void setTyping({ interviewId, typing: true });
              } else if (!e.target.value && lastTyping.current) {
                lastTyping.current = 0;
                void setTyping({ interviewId, typing: false });
              }
            }}
          />
          <button data-testid="chat-send" disabled={send.fetching}>
            Send
          </button>
        </form>
      )}
      {(send.error || edit.error || del.error) && (
        <p className="error" role="alert">
          {errorText(send.error ?? edit.error ?? del.error)}
        </p>
      )}
    </section>
  );
}
