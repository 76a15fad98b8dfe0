import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { errorText, RequestPasswordResetDocument } from '../api';
import { DevOutbox } from '../components/DevOutbox';
import { FormError } from './SignIn';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(0);
  const [state, request] = useMutation(RequestPasswordResetDocument);
  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await request({ email });
          if (r.data) setSent((n) => n + 1);
        }}
      >
        <label>
          Email
          <input
            data-testid="forgot-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <FormError text={errorText(state.error)} />
        <button data-testid="forgot-submit" disabled={state.fetching}>
          Email me a link
        </button>
      </form>
      {sent > 0 && (
        <>
          <p role="status">If an account uses {email}, a reset link is on its way. It works for 30 minutes.</p>
          <DevOutbox email={email} refreshKey={sent} />
        </>
      )}
      <p className="links">
        <Link to="/login">Back to sign in</Link>
      </p>
    </section>
  );
}
