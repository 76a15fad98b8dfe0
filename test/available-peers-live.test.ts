// Subscription.availablePeers on two instances: the list at once, then again
// whenever someone's presence, availability or interview types change on
// either instance, never with the viewer in it; signed-in users only.
import { graphql } from './generated/gql.js';
import { admitted, connectWs, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { startTwoInstances, type TwoInstances } from './support/server.js';

const Live = graphql(`
  subscription LivePeers($type: InterviewType) {
    availablePeers(type: $type) {
      id
      online
      availability
    }
  }
`);
const SetAvailability = graphql(`
  mutation LivePeersAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const UpdateTypes = graphql(`
  mutation LivePeersTypes($types: [InterviewType!]) {
    updateProfile(input: { interviewTypes: $types }) {
      id
    }
  }
`);

type Peers = Subscription<{ availablePeers: { id: string; online: boolean; availability: string }[] }>;

let two: TwoInstances;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  two = await startTwoInstances('live-peers-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await two.close();
});

async function connect(user: TestUser | null, wsUrl: string): Promise<WsConnection> {
  const conn = connectWs(wsUrl, user?.token);
  sockets.push(conn);
  return admitted(conn);
}

/** Reads lists until one satisfies `wanted` (changes may be folded together, so a middle list can be skipped). */
async function listWhere(peers: Peers, wanted: (ids: string[]) => boolean): Promise<string[]> {
  for (;;) {
    const r = await peers.next(10_000);
    expect(r.errors).toBeUndefined();
    const ids = r.data!.availablePeers.map((p) => p.id);
    if (wanted(ids)) return ids;
  }
}

it('sends the list at once, then again as a peer on the other instance comes online, changes availability and types, and leaves', async () => {
  const [viewer, peer] = [await registerUser(two.a.url, 'Viewer'), await registerUser(two.b.url, 'Peer')];
  const peers = subscribe(await connect(viewer, two.a.wsUrl), Live, { type: 'TECHNICAL' }) as Peers;
  // At once: nobody else is online and available yet, and never the viewer.
  expect(await listWhere(peers, () => true)).toEqual([]);
  await ok(two.a.url, SetAvailability, { availability: 'AVAILABLE' }, { token: viewer.token });

  const peerSocket = await connect(peer, two.b.wsUrl);
  await ok(two.b.url, SetAvailability, { availability: 'AVAILABLE' }, { token: peer.token });
  const withPeer = await listWhere(peers, (ids) => ids.includes(peer.id));
  expect(withPeer).not.toContain(viewer.id);

  await ok(two.b.url, SetAvailability, { availability: 'BUSY' }, { token: peer.token });
  await listWhere(peers, (ids) => !ids.includes(peer.id));
  await ok(two.b.url, SetAvailability, { availability: 'AVAILABLE' }, { token: peer.token });
  await listWhere(peers, (ids) => ids.includes(peer.id));

  // Interview types: the TECHNICAL list drops a peer who takes only BEHAVIORAL ones.
  await ok(two.b.url, UpdateTypes, { types: ['BEHAVIORAL'] }, { token: peer.token });
  await listWhere(peers, (ids) => !ids.includes(peer.id));
  await ok(two.b.url, UpdateTypes, { types: ['BEHAVIORAL', 'TECHNICAL'] }, { token: peer.token });
  await listWhere(peers, (ids) => ids.includes(peer.id));

  // The peer's last socket closes: offline, off the list.
  await peerSocket.dispose();
  await listWhere(peers, (ids) => !ids.includes(peer.id));
  peers.stop();
});

it('refuses anonymous subscribers with UNAUTHENTICATED', async () => {
  const anon = subscribe(await connect(null, two.b.wsUrl), Live, {}) as Peers;
  const refused = await anon.next();
  expect(refused.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
});
