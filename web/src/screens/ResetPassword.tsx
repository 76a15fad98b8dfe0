import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { errorText, ResetPasswordDocument, setSession } from '../api';
import { FormError } from './SignIn';

export function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [state, reset] = useMutation(ResetPasswordDocument);
  const navigate = useNavigate();
  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      {!token ? (
        <p>
          This page needs the link from the email. <Link to="/forgot-password">Ask for a new one</Link>.
        </p>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await reset({ token, newPassword: password });
            if (r.data) {
              setSession(r.data.resetPassword);
              void navigate('/slots');
            }
          }}
        >
          <label>
            New password
            <input
              data-testid="reset-password"
              type="password"
              autoComplete="new-password"
              minLength={8}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <FormError text={errorText(state.error)} />
          <button data-testid="reset-submit" disabled={state.fetching}>
            Set password and sign in
          </button>
        </form>
      )}
    </section>
  );
}
