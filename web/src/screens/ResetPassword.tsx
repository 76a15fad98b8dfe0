import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { errorText, gql, setSession, type Stored } from '../api';
import { AUTH_FIELDS, FormError } from './SignIn';

const RESET = gql`mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) { ${AUTH_FIELDS} } }`;

export function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [state, reset] = useMutation<{ resetPassword: Stored }>(RESET);
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
