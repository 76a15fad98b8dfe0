// The signed-in user and the app-wide events stream, as React context.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import {
  client as initialClient,
  currentUser,
  onAuthChange,
  onClientChange,
  streamEvents,
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
  const [client, setClient] = useState(() => initialClient);
  const [log, setLog] = useState<UserEvent[]>([]);
  const listeners = useRef(new Set<Listener>());
  useEffect(() => onAuthChange(setMe), []);
  useEffect(() => onClientChange(setClient), []);
  useEffect(() => {
    setLog([]);
    if (!me) return;
    return streamEvents((e) => {
      setLog((l) => [e, ...l].slice(0, 200));
      for (const fn of listeners.current) fn(e);
    });
  }, [me, client]);
  const bus = useRef({
    subscribe: (fn: Listener) => (listeners.current.add(fn), () => void listeners.current.delete(fn)),
  });
  return (
    <Provider value={client}>
      <MeContext.Provider value={me}>
        <EventsContext.Provider value={{ subscribe: bus.current.subscribe, log }}>{children}</EventsContext.Provider>
      </MeContext.Provider>
    </Provider>
  );
}

export const useMe = () => useContext(MeContext);

/** Calls `fn` for each live event of the viewer (optionally only the given types). */
export function useUserEvents(fn: Listener, types?: string[]) {
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
