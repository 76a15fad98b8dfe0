// The video panel. With ZEGO_APP_ID set on the server the participants get
// credentials for their room; without, the panel says video is not configured.
export function VideoPanel({
  video,
  active,
}: {
  video: { appId: number; token: string; roomId: string } | null;
  active: boolean;
}) {
  return (
    <section className="card video" aria-label="Video">
      <h2>Video</h2>
      {!active ? (
        <p className="muted">The session is over.</p>
      ) : video ? (
        <div className="video-stage" data-testid="video-ready">
          <p>
            Video room <code>{video.roomId}</code> is ready (ZEGOCLOUD app {video.appId}).
          </p>
        </div>
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
