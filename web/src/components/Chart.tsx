// A small dependency-free SVG chart: bars (one value per label) or lines over time.
export function Bars({
  data,
  max,
  label,
}: {
  data: { label: string; value: number | null }[];
  max: number;
  label: string;
}) {
  const w = 320;
  const bar = 22;
  const h = data.length * (bar + 10);
  return (
    <svg className="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      {data.map((d, i) => (
        <g key={d.label} transform={`translate(0 ${i * (bar + 10)})`}>
          <text x="0" y={bar * 0.7} className="chart-label">
            {d.label}
          </text>
          <rect x="120" y="0" width={w - 170} height={bar} rx="4" className="chart-track" />
          <rect x="120" y="0" width={((w - 170) * (d.value ?? 0)) / max} height={bar} rx="4" className="chart-bar" />
          <text x={w - 40} y={bar * 0.7} className="chart-value">
            {d.value === null ? '–' : d.value.toFixed(1)}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function Lines({ series, label }: { series: { name: string; points: number[] }[]; label: string }) {
  const w = 480;
  const h = 160;
  const n = Math.max(2, ...series.map((s) => s.points.length));
  const max = Math.max(1, ...series.flatMap((s) => s.points));
  const x = (i: number) => 30 + (i * (w - 40)) / (n - 1);
  const y = (v: number) => h - 20 - (v * (h - 40)) / max;
  return (
    <figure className="chart-figure">
      <svg className="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
        <line x1="30" x2={w - 10} y1={h - 20} y2={h - 20} className="chart-axis" />
        <text x="4" y={y(max) + 4} className="chart-label">
          {max}
        </text>
        <text x="4" y={h - 16} className="chart-label">
          0
        </text>
        {series.map((s, k) => (
          <polyline
            key={s.name}
            className={`chart-line line${k}`}
            fill="none"
            points={s.points.map((v, i) => `${x(i)},${y(v)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption className="legend">
        {series.map((s, k) => (
          <span key={s.name}>
            <i className={`swatch line${k}`} aria-hidden="true" /> {s.name}: {s.points.at(-1) ?? 0}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
