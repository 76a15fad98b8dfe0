// The shared code pad of a technical interview: one Yjs document per pad. The
// stored state is applied on load (and after a reconnect), local edits go out
// as base64 updates through updateCodePad, and everyone's updates come back
// through the codePad subscription. Applying an update twice is harmless.
import { useEffect, useRef, useState } from 'react';
import { useClient, useMutation, useSubscription } from 'urql';
import * as Y from 'yjs';
import {
  CodePadDocument,
  CodePadUpdatesDocument,
  errorText,
  onSocketConnected,
  UpdateCodePadDocument,
} from '../../api';
import { FormError } from '../../screens/SignIn';

const TEXT = 'code';
const toBase64 = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

export function CodePad({ interviewId, editable }: { interviewId: string; editable: boolean }) {
  const client = useClient();
  const doc = useRef(new Y.Doc()).current;
  const ytext = doc.getText(TEXT);
  const [text, setText] = useState('');
  const [language, setLanguage] = useState('plaintext');
  const [state, send] = useMutation(UpdateCodePadDocument);
  const area = useRef<HTMLTextAreaElement>(null);

  // The document drives the textarea; local edits go to the server.
  useEffect(() => {
    const onText = () => {
      const el = area.current;
      const sel = el && document.activeElement === el ? [el.selectionStart, el.selectionEnd] : null;
      setText(ytext.toJSON());
      if (sel) requestAnimationFrame(() => el!.setSelectionRange(sel[0]!, sel[1]!));
    };
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === 'local') void send({ interviewId, update: toBase64(update) });
    };
    ytext.observe(onText);
    doc.on('update', onUpdate);
    return () => {
      ytext.unobserve(onText);
      doc.off('update', onUpdate);
    };
  }, [doc, ytext, send, interviewId]);

  // The stored state, on load and after every reconnect.
  useEffect(() => {
    const load = () =>
      client
        .query(CodePadDocument, { interviewId }, { requestPolicy: 'network-only' })
        .toPromise()
        .then((r) => {
          if (!r.data) return;
          Y.applyUpdate(doc, fromBase64(r.data.codePad.state), 'remote');
          setLanguage(r.data.codePad.language);
          setText(ytext.toJSON());
        });
    void load();
    return onSocketConnected((reconnect) => reconnect && void load());
  }, [client, doc, ytext, interviewId]);

  useSubscription({ query: CodePadUpdatesDocument, variables: { interviewId } }, (_prev, d) => {
    Y.applyUpdate(doc, fromBase64(d.codePad.update), 'remote');
    return d;
  });

  const onChange = (next: string) => {
    const prev = ytext.toJSON();
    let start = 0;
    while (start < prev.length && start < next.length && prev[start] === next[start]) start++;
    let endPrev = prev.length;
    let endNext = next.length;
    while (endPrev > start && endNext > start && prev[endPrev - 1] === next[endNext - 1]) {
      endPrev--;
      endNext--;
    }
    doc.transact(() => {
      if (endPrev > start) ytext.delete(start, endPrev - start);
      if (endNext > start) ytext.insert(start, next.slice(start, endNext));
    }, 'local');
  };

  return (
    <section className="card code-pad" aria-labelledby="code-pad-title">
      <h2 id="code-pad-title">
        Code pad <span className="muted">({language})</span>
      </h2>
      <label className="sr-only" htmlFor="code-pad-input">
        Shared code
      </label>
      <textarea
        id="code-pad-input"
        ref={area}
        data-testid="code-pad"
        spellCheck={false}
        rows={14}
        readOnly={!editable}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        placeholder={
          editable ? 'Write code together here…' : 'The pad can be edited while the interview is in progress.'
        }
      />
      <FormError text={errorText(state.error)} />
    </section>
  );
}
