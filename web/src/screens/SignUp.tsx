import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { errorText, RegisterDocument, setSession } from '../api';
import { FormError } from './SignIn';

export function SignUp() {
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [state, register] = useMutation(RegisterDocument);
  const field = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });
  return (
    <section className="card narrow">
      <h1>Create your account</h1>
      <p className="muted">Practice interviews with peers: book a slot, get matched, give each other feedback.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await register({ input: form });
          if (r.data) setSession(r.data.register);
        }}
      >
        <label>
          Name
          <input data-testid="signup-name" autoComplete="name" required {...field('name')} />
        </label>
        <label>
          Email
          <input data-testid="signup-email" type="email" autoComplete="email" required {...field('email')} />
        </label>
        <label>
          Password <span className="muted">(at least 8 characters)</span>
          <input
            data-testid="signup-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            {...field('password')}
          />
        </label>
        <FormError text={errorText(state.error)} />
        <button data-testid="signup-submit" disabled={state.fetching}>
          Sign up
        </button>
      </form>
      <p className="links">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
