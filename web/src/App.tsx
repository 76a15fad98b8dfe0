// Routes and the layout around every screen. A screen is one file under
// screens/; add it to ROUTES (and NAV, if it belongs in the menu).
import { BrowserRouter, Navigate, NavLink, Route, Routes, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { LogoutDocument, setSession } from './api';
import { SessionProvider, useMe } from './session';
import { IncomingRequests } from './components/IncomingRequests';
import { MaintenanceBanner } from './components/MaintenanceBanner';
import { SignIn } from './screens/SignIn';
import { SignUp } from './screens/SignUp';
import { ForgotPassword } from './screens/ForgotPassword';
import { ResetPassword } from './screens/ResetPassword';
import { VerifyEmail } from './screens/VerifyEmail';
import { Slots } from './screens/Slots';
import { WaitingRoom } from './screens/WaitingRoom';
import { Session } from './screens/Session';
import { History } from './screens/History';
import { Peers } from './screens/Peers';
import { Notifications } from './screens/Notifications';
import { Admin } from './screens/Admin';
import { Settings } from './screens/Settings';

const ROUTES = [
  { path: '/slots', element: <Slots />, signedIn: true },
  { path: '/waiting/:bookingId', element: <WaitingRoom />, signedIn: true },
  { path: '/session/:interviewId', element: <Session />, signedIn: true },
  { path: '/history', element: <History />, signedIn: true },
  { path: '/peers', element: <Peers />, signedIn: true },
  { path: '/notifications', element: <Notifications />, signedIn: true },
  { path: '/admin', element: <Admin />, signedIn: true },
  { path: '/settings', element: <Settings />, signedIn: true },
  { path: '/login', element: <SignIn />, signedIn: false },
  { path: '/signup', element: <SignUp />, signedIn: false },
  { path: '/forgot-password', element: <ForgotPassword />, signedIn: false },
  { path: '/reset-password', element: <ResetPassword />, signedIn: null },
  { path: '/verify-email', element: <VerifyEmail />, signedIn: null },
];

const NAV = [
  { to: '/slots', label: 'Slots' },
  { to: '/peers', label: 'Instant' },
  { to: '/history', label: 'History' },
  { to: '/notifications', label: 'Notifications' },
  { to: '/settings', label: 'Settings' },
];

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Layout />
      </BrowserRouter>
    </SessionProvider>
  );
}

function Layout() {
  const me = useMe();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="MockMate home">
          <img src="/favicon.svg" alt="" width="28" height="28" /> MockMate
        </NavLink>
        {me && (
          <nav aria-label="Main">
            {NAV.map((n) => (
              <NavLink key={n.to} to={n.to}>
                {n.label}
              </NavLink>
            ))}
            {me.role === 'ADMIN' && <NavLink to="/admin">Admin</NavLink>}
          </nav>
        )}
        {me && <UserMenu name={me.name} />}
      </header>
      <main id="main">
        <MaintenanceBanner />
        {me && <IncomingRequests />}
        <Routes>
          <Route path="/" element={<Navigate to={me ? '/slots' : '/login'} replace />} />
          {ROUTES.map((r) => (
            <Route
              key={r.path}
              path={r.path}
              element={
                r.signedIn === true && !me ? (
                  <Navigate to="/login" replace />
                ) : r.signedIn === false && me ? (
                  <Navigate to="/slots" replace />
                ) : (
                  r.element
                )
              }
            />
          ))}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

function UserMenu({ name }: { name: string }) {
  const [, logout] = useMutation(LogoutDocument);
  const navigate = useNavigate();
  return (
    <div className="user">
      <span className="muted">{name}</span>
      <button
        className="ghost"
        data-testid="logout"
        onClick={async () => {
          await logout({});
          setSession(null);
          void navigate('/login');
        }}
      >
        Sign out
      </button>
    </div>
  );
}

function NotFound() {
  return (
    <section className="card narrow">
      <h1>Page not found</h1>
      <p>
        <NavLink to="/">Back to MockMate</NavLink>
      </p>
    </section>
  );
}
