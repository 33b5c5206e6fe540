// The training report's picture: loss and accuracy per epoch (training and validation) drawn as an SVG by hand
// and rendered to PNG with resvg.
import { Resvg } from '@resvg/resvg-js';

export interface CurvePoint {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
}

const WIDTH = 900;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 45 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceRange(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (high - low < 1e-9) {
    low -= 0.5;
    high += 0.5;
  }
  const pad = (high - low) * 0.08;
  return [low - pad, high + pad];
}

function panel(
  title: string,
  top: number,
  points: readonly CurvePoint[],
  series: readonly { label: string; color: string; value: (p: CurvePoint) => number }[],
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const epochs = points.map((p) => p.epoch);
  const [xMin, xMax] = epochs.length > 1 ? [Math.min(...epochs), Math.max(...epochs)] : [0, Math.max(1, epochs[0] ?? 1)];
  const [yMin, yMax] = niceRange(points.flatMap((p) => series.map((s) => s.value(p))));
  const x = (epoch: number): number => x0 + ((epoch - xMin) / Math.max(xMax - xMin, 1e-9)) * plotWidth;
  const y = (value: number): number => y0 + (1 - (value - yMin) / (yMax - yMin)) * plotHeight;
  const parts: string[] = [];
  parts.push(`<text x="${x0}" y="${top + 24}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${x0}" y="${y0}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`);
  for (let k = 0; k <= 4; k++) {
    const value = yMin + ((yMax - yMin) * k) / 4;
    const yy = y(value);
    parts.push(`<line x1="${x0}" y1="${yy}" x2="${x0 + plotWidth}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 - 8}" y="${yy + 4}" font-size="12" text-anchor="end">${value.toFixed(3)}</text>`);
  }
  const xTicks = Math.min(10, Math.max(1, Math.round(xMax - xMin)));
  for (let k = 0; k <= xTicks; k++) {
    const epoch = xMin + ((xMax - xMin) * k) / xTicks;
    parts.push(`<text x="${x(epoch)}" y="${y0 + plotHeight + 18}" font-size="12" text-anchor="middle">${Number(epoch.toFixed(1))}</text>`);
  }
  parts.push(`<text x="${x0 + plotWidth / 2}" y="${y0 + plotHeight + 36}" font-size="12" text-anchor="middle">epoch</text>`);
  series.forEach((s, index) => {
    const path = points
      .filter((p) => Number.isFinite(s.value(p)))
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.epoch).toFixed(1)},${y(s.value(p)).toFixed(1)}`)
      .join(' ');
    if (path) parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of points) {
      if (Number.isFinite(s.value(p))) parts.push(`<circle cx="${x(p.epoch).toFixed(1)}" cy="${y(s.value(p)).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const lx = x0 + plotWidth - 200;
    const ly = y0 + 16 + index * 18;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" font-size="12">${escapeXml(s.label)}</text>`);
  });
  return parts.join('\n');
}

export function lossCurvesSvg(title: string, points: readonly CurvePoint[]): string {
  const height = 2 * PANEL_HEIGHT + 30;
  const body = [
    `<text x="${WIDTH / 2}" y="22" font-size="18" text-anchor="middle">${escapeXml(title)}</text>`,
    panel('Loss (nats per token)', 30, points, [
      { label: 'training', color: '#1f77b4', value: (p) => p.trainLoss },
      { label: 'validation', color: '#d62728', value: (p) => p.validationLoss },
    ]),
    panel('Next-token accuracy', 30 + PANEL_HEIGHT, points, [
      { label: 'training', color: '#1f77b4', value: (p) => p.trainAccuracy },
      { label: 'validation', color: '#d62728', value: (p) => p.validationAccuracy },
    ]),
  ].join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
${body}
</svg>
`;
}

export function renderPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'original' }, background: 'white' }).render().asPng();
}
