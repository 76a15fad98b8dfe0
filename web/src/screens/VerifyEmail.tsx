// Follows APP_URL/verify-email?token=… from the verification email.
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { errorText, VerifyEmailDocument } from '../api';

export function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, verify] = useMutation(VerifyEmailDocument);
  const [tried, setTried] = useState(false);
  useEffect(() => {
    if (token && !tried) {
      setTried(true);
      void verify({ token });
    }
  }, [token, tried, verify]);
  return (
    <section className="card narrow">
      <h1>Email verification</h1>
      {!token && <p>This page needs the link from the email.</p>}
      {state.fetching && <p role="status">Checking your link…</p>}
      {state.data && (
        <p role="status" data-testid="verify-ok">
          Your email address is verified. Thank you!
        </p>
      )}
      {state.error && (
        <p className="error" role="alert">
          {errorText(state.error)}
        </p>
      )}
      <p className="links">
        <Link to="/">Continue to MockMate</Link>
      </p>
    </section>
  );
}
