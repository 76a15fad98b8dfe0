// The video panel. With ZEGO_APP_ID (and ZEGO_SERVER_SECRET) set on the server
// the participants get credentials for their room (Interview.video): then, and
// only then, ZEGOCLOUD's web SDK is loaded (its own chunk), joins the room with
// the token, publishes the camera and microphone and plays the peer's streams.
// Without credentials the panel says video is not configured.
import { useEffect, useRef, useState } from 'react';
import type { InterviewSessionQuery } from '../../api';

type Credentials = NonNullable<NonNullable<InterviewSessionQuery['interview']>['video']>;
type State = { step: 'loading' | 'joining' | 'joined' } | { step: 'error'; message: string };

export function VideoPanel({
  video,
  active,
  me,
}: {
  video: Credentials | null;
  active: boolean;
  me: { id: string; name: string };
}) {
  return (
    <section className="card video" aria-label="Video">
      <h2>Video</h2>
      {!active ? (
        <p className="muted">The session is over.</p>
      ) : video ? (
        <VideoRoom video={video} me={me} />
      ) : (
        <div className="video-stage off" data-testid="video-not-configured">
          <p>
            <strong>Video not configured.</strong>
          </p>
          <p className="muted">
            Set ZEGO_APP_ID and ZEGO_SERVER_SECRET on the server to talk face to face. Chat works either way.
          </p>
        </div>
      )}
    </section>
  );
}

const message = (err: unknown) =>
  err instanceof Error ? err.message : typeof err === 'object' && err && 'msg' in err ? String(err.msg) : String(err);

function VideoRoom({ video, me }: { video: Credentials; me: { id: string; name: string } }) {
  const [state, setState] = useState<State>({ step: 'loading' });
  const local = useRef<HTMLDivElement>(null);
  const remote = useRef<HTMLDivElement>(null);
  const { appId, roomId, token } = video;

  useEffect(() => {
    let stopped = false;
    const cleanups: (() => void)[] = [];
    const run = async () => {
      const { ZegoExpressEngine } = await import('zego-express-engine-webrtc');
      if (stopped) return;
      setState({ step: 'joining' });
      const zg = new ZegoExpressEngine(appId, `wss://webliveroom${appId}-api.zego.im/ws`);
      cleanups.push(() => zg.destroyEngine());
      const playing = new Map<string, HTMLElement>();
      zg.on('roomStreamUpdate', (_room, type, streams) => {
        for (const { streamID } of streams) {
          if (type === 'ADD' && !playing.has(streamID)) {
            const el = document.createElement('div');
            el.className = 'video-remote';
            playing.set(streamID, el);
            remote.current?.append(el);
            void zg
              .startPlayingStream(streamID)
              .then((stream) => {
                if (!stopped && playing.get(streamID) === el) zg.createRemoteStreamView(stream).play(el);
              })
              .catch((err: unknown) => !stopped && setState({ step: 'error', message: message(err) }));
          } else if (type === 'DELETE') {
            zg.stopPlayingStream(streamID);
            playing.get(streamID)?.remove();
            playing.delete(streamID);
          }
        }
      });
      cleanups.push(() => {
        for (const [id, el] of playing) {
          zg.stopPlayingStream(id);
          el.remove();
        }
      });
      const joined = await zg.loginRoom(roomId, token, { userID: me.id, userName: me.name }, { userUpdate: true });
      cleanups.push(() => zg.logoutRoom(roomId));
      if (!joined) throw new Error('The video service did not admit this session.');
      if (stopped) return;
      const stream = await zg.createZegoStream();
      cleanups.push(() => zg.destroyStream(stream));
      if (stopped) return;
      if (local.current) stream.playVideo(local.current);
      const streamId = `${roomId}-${me.id}`;
      zg.startPublishingStream(streamId, stream);
      cleanups.push(() => zg.stopPublishingStream(streamId));
      setState({ step: 'joined' });
    };
    run().catch((err: unknown) => !stopped && setState({ step: 'error', message: message(err) }));
    return () => {
      stopped = true;
      // In reverse: stop publishing, drop the stream, leave the room, then destroy the engine.
      for (const fn of cleanups.reverse()) {
        try {
          fn();
        } catch {
          // Already gone: nothing left to release.
        }
      }
    };
  }, [appId, roomId, token, me.id, me.name]);

  return (
    <div className="video-stage" data-testid="video-room" data-state={state.step} data-room-id={roomId}>
      <p role="status" data-testid="video-status">
        {state.step === 'loading' && <>Loading video for room </>}
        {state.step === 'joining' && <>Joining video room </>}
        {state.step === 'joined' && <>In video room </>}
        {state.step === 'error' && <>Video room </>}
        <code>{roomId}</code>
        {state.step === 'error' && <> is unavailable.</>}
        {state.step !== 'error' && state.step !== 'joined' && <>…</>}
      </p>
      {state.step === 'error' && (
        <p className="error" role="alert" data-testid="video-error">
          {state.message}
        </p>
      )}
      <div className="video-feeds">
        <div className="video-remote-list" ref={remote} role="group" aria-label="Your peer's video" />
        <div className="video-local" ref={local} role="group" aria-label="Your camera" />
      </div>
    </div>
  );
}
