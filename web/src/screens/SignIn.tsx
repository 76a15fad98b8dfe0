import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { errorText, LoginDocument, setSession } from '../api';

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [state, login] = useMutation(LoginDocument);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await login({ input: { email, password } });
          if (r.data) setSession(r.data.login);
        }}
      >
        <label>
          Email
          <input
            data-testid="login-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            data-testid="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <FormError text={errorText(state.error)} />
        <button data-testid="login-submit" disabled={state.fetching}>
          Sign in
        </button>
      </form>
      <p className="links">
        <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

export function FormError({ text }: { text: string | null }) {
  return text ? (
    <p className="error" role="alert">
      {text}
    </p>
  ) : null;
}
