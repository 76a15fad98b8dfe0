// The signed-in user and the app-wide events stream, as React context.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import {
  currentApi,
  currentUser,
  NotificationsDocument,
  onApiChange,
  onAuthChange,
  type EventType,
  type Me,
  type UserEvent,
} from './api';

const MeContext = createContext<Me | null>(null);
type Listener = (e: UserEvent) => void;
const EventsContext = createContext<{ subscribe: (fn: Listener) => () => void; log: UserEvent[] }>({
  subscribe: () => () => {},
  log: [],
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState(currentUser);
  const [api, setApi] = useState(currentApi);
  const [log, setLog] = useState<UserEvent[]>([]);
  const listeners = useRef(new Set<Listener>());
  useEffect(() => onAuthChange(setMe), []);
  useEffect(() => onApiChange(setApi), []);
  useEffect(() => {
    setLog([]);
    if (!me) return;
    let stopped = false;
    let stop = () => {};
    // From the newest stored event on, so nothing between page load and the socket is missed;
    // createClient's subscribeEvents resumes after the last event across reconnects and restarts.
    void api.urql
      .query(NotificationsDocument, { first: 1 }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((r) => {
        if (stopped) return;
        stop = api.subscribeEvents(
          (e) => {
            // The socket reconnects by itself (and resubscribes after the last id); nothing to show.
            if (e.type === 'SERVER_SHUTDOWN') return;
            setLog((l) => [e, ...l].slice(0, 200));
            for (const fn of listeners.current) fn(e);
          },
          { after: r.data?.notifications.edges[0]?.node.id ?? null },
        );
      });
    return () => {
      stopped = true;
      stop();
    };
  }, [me, api]);
  const bus = useRef({
    subscribe: (fn: Listener) => (listeners.current.add(fn), () => void listeners.current.delete(fn)),
  });
  return (
    <Provider value={api.urql}>
      <MeContext.Provider value={me}>
        <EventsContext.Provider value={{ subscribe: bus.current.subscribe, log }}>{children}</EventsContext.Provider>
      </MeContext.Provider>
    </Provider>
  );
}

export const useMe = () => useContext(MeContext);

/** Calls `fn` for each live event of the viewer (optionally only the given types). */
export function useUserEvents(fn: Listener, types?: EventType[]) {
  const { subscribe } = useContext(EventsContext);
  const latest = useRef(fn);
  latest.current = fn;
  const key = types?.join(',');
  useEffect(
    () => subscribe((e) => (!key || key.split(',').includes(e.type) ? latest.current(e) : undefined)),
    [subscribe, key],
  );
}

export const useEventLog = () => useContext(EventsContext).log;
