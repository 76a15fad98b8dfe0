// After the end: the feedback form (the original's fields), then what was given
// and, under the reveal rule, what was received.
import { useState } from 'react';
import { useMutation } from 'urql';
import { errorText, SubmitFeedbackDocument, type FeedbackFieldsFragment } from '../../api';

export type FeedbackItem = FeedbackFieldsFragment;

export function FeedbackPanel({
  interview,
  meId,
  onSubmitted,
}: {
  interview: { id: string; type: string; feedback: FeedbackItem[] };
  meId: string;
  onSubmitted: () => void;
}) {
  const given = interview.feedback.find((f) => f.author.id === meId);
  const received = interview.feedback.find((f) => f.subject.id === meId);
  return (
    <section className="card" aria-label="Feedback">
      <h2>Feedback</h2>
      {given ? (
        <p role="status">Thank you: your feedback is sent.</p>
      ) : (
        <FeedbackForm interviewId={interview.id} technical={interview.type === 'TECHNICAL'} onSubmitted={onSubmitted} />
      )}
      {received ? (
        <FeedbackView title={`From ${received.author.name}`} f={received} />
      ) : (
        given && (
          <p className="muted">
            Your peer's feedback shows here once they have sent theirs (or 48 hours after the end).
          </p>
        )
      )}
    </section>
  );
}

export function FeedbackView({ title, f }: { title: string; f: FeedbackItem }) {
  return (
    <div className="feedback-view">
      <h3>{title}</h3>
      <dl className="ratings">
        <dt>Communication</dt>
        <dd>{f.communication}/5</dd>
        <dt>Good match</dt>
        <dd>{f.goodMatch}/5</dd>
        {f.technical !== null && (
          <>
            <dt>Technical</dt>
            <dd>{f.technical}/5</dd>
          </>
        )}
        {f.problemSolving !== null && (
          <>
            <dt>Problem solving</dt>
            <dd>{f.problemSolving}/5</dd>
          </>
        )}
        {f.wouldPass !== null && (
          <>
            <dt>Would pass</dt>
            <dd>{f.wouldPass ? 'Yes' : 'No'}</dd>
          </>
        )}
      </dl>
      {f.strengths && (
        <p>
          <strong>Strengths:</strong> {f.strengths}
        </p>
      )}
      {f.improvements && (
        <p>
          <strong>To improve:</strong> {f.improvements}
        </p>
      )}
    </div>
  );
}

function Rating({
  name,
  label,
  testId,
  required,
}: {
  name: string;
  label: string;
  testId?: string;
  required?: boolean;
}) {
  return (
    <label>
      {label} <span className="muted">(1–5{required ? '' : ', optional'})</span>
      <input
        name={name}
        data-testid={testId}
        type="number"
        min={1}
        max={5}
        step={1}
        required={required}
        inputMode="numeric"
      />
    </label>
  );
}

function FeedbackForm({
  interviewId,
  technical,
  onSubmitted,
}: {
  interviewId: string;
  technical: boolean;
  onSubmitted: () => void;
}) {
  const [state, submit] = useMutation(SubmitFeedbackDocument);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="feedback"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const num = (k: string) => (f.get(k) ? Number(f.get(k)) : null);
        const text = (k: string) => (f.get(k) as string | null) || null;
        const pass = f.get('wouldPass');
        const r = await submit({
          input: {
            interviewId,
            communication: Number(f.get('communication')), // required in the form
            goodMatch: Number(f.get('goodMatch')),
            technical: num('technical'),
            problemSolving: num('problemSolving'),
            strengths: text('strengths'),
            improvements: text('improvements'),
            wouldPass: pass === 'yes' ? true : pass === 'no' ? false : null,
          },
        });
        setError(errorText(r.error));
        if (r.data) onSubmitted();
      }}
    >
      <div className="grid2">
        <Rating name="communication" label="Communication" testId="feedback-communication" required />
        <Rating name="goodMatch" label="Good match" testId="feedback-goodmatch" required />
        {technical && <Rating name="technical" label="Technical" />}
        <Rating name="problemSolving" label="Problem solving" />
      </div>
      <label>
        Strengths
        <textarea name="strengths" maxLength={2000} rows={2} />
      </label>
      <label>
        What to improve
        <textarea name="improvements" maxLength={2000} rows={2} />
      </label>
      <fieldset>
        <legend>Would they pass a real interview like this one?</legend>
        <label className="radio">
          <input type="radio" name="wouldPass" value="yes" /> Yes
        </label>
        <label className="radio">
          <input type="radio" name="wouldPass" value="no" /> No
        </label>
        <label className="radio">
          <input type="radio" name="wouldPass" value="" defaultChecked /> Rather not say
        </label>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button data-testid="feedback-submit" disabled={state.fetching}>
        Send feedback
      </button>
    </form>
  );
}
