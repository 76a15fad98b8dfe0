// The questions: each participant has one to ask the other. The asker sees the
// title, body and hints; the one asked sees only that a question waits for them
// until the interview is COMPLETED, when both see both.
import type { InterviewSessionQuery } from '../../api';

export type AssignedQuestion = NonNullable<InterviewSessionQuery['interview']>['questions'][number];

export function QuestionPanel({ questions, meId }: { questions: AssignedQuestion[]; meId: string }) {
  const mine = questions.find((q) => q.askedBy.id === meId);
  const theirs = questions.find((q) => q.askedTo.id === meId);
  return (
    <section className="card question-panel" aria-labelledby="questions-title" data-testid="question-panel">
      <h2 id="questions-title">{theirs?.question ? 'Questions' : 'Your question to ask'}</h2>
      {questions.length === 0 && <p className="muted">No questions were assigned to this interview.</p>}
      {mine?.question && (
        <article data-testid="question-to-ask">
          <h3 data-testid="question-title">
            {theirs?.question ? `You asked ${mine.askedTo.name}: ` : ''}
            {mine.question.title}
          </h3>
          <p className="question-body">{mine.question.body}</p>
          {mine.question.hints.length > 0 && (
            <details>
              <summary>Hints ({mine.question.hints.length})</summary>
              <ul>
                {mine.question.hints.map((h, i) => (
                  <li key={i}>{h}</li>
                ))}
              </ul>
            </details>
          )}
        </article>
      )}
      {theirs &&
        (theirs.question ? (
          <article data-testid="question-asked">
            <h3 data-testid="question-title">
              {theirs.askedBy.name} asked you: {theirs.question.title}
            </h3>
            <p className="question-body">{theirs.question.body}</p>
          </article>
        ) : (
          <p className="muted" data-testid="question-hidden">
            {theirs.askedBy.name} has a question for you; it stays hidden until the interview ends.
          </p>
        ))}
    </section>
  );
}
