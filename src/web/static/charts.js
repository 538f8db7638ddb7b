// Small SVG line charts for the per-node figures: no library, no inline styles (the
// page's Content-Security-Policy allows none), colours come from style.css classes.

const NS = 'http://www.w3.org/2000/svg';

/** Formats a value for a chart's label. */
export function human(v, unit) {
  if (unit === 'bytes') {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v.toFixed(i ? 1 : 0)} ${u[i]}`;
  }
  if (unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'rate') return `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`;
  return String(Math.round(v));
}

/** A chart of `points` (numbers, oldest first) with its title and latest value. */
export function lineChart(title, points, unit) {
  const w = 220;
  const h = 60;
  const fig = document.createElement('figure');
  fig.className = 'chart';
  const cap = document.createElement('figcaption');
  const name = document.createElement('span');
  name.textContent = title;
  const val = document.createElement('strong');
  val.textContent = points.length ? human(points[points.length - 1], unit) : '–';
  cap.append(name, val);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('class', 'chart-plot');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${val.textContent}`);
  const max = unit === 'ratio' ? 1 : Math.max(1e-9, ...points);
  const n = Math.max(points.length, 2);
  const xy = points.map((p, i) => `${((i / (n - 1)) * w).toFixed(1)},${(h - 2 - (p / max) * (h - 4)).toFixed(1)}`);
  const base = document.createElementNS(NS, 'line');
  base.setAttribute('x1', '0');
  base.setAttribute('x2', String(w));
  base.setAttribute('y1', String(h - 1));
  base.setAttribute('y2', String(h - 1));
  base.setAttribute('class', 'chart-base');
  svg.append(base);
  if (xy.length > 1) {
    const area = document.createElementNS(NS, 'polygon');
    area.setAttribute('points', `0,${h} ${xy.join(' ')} ${xy[xy.length - 1].split(',')[0]},${h}`);
    area.setAttribute('class', 'chart-area');
    const line = document.createElementNS(NS, 'polyline');
    line.setAttribute('points', xy.join(' '));
    line.setAttribute('class', 'chart-line');
    svg.append(area, line);
  }
  fig.append(cap, svg);
  return fig;
}
