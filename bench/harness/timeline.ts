/** One batch on the timeline: its life and each item's render, in `performance.now()` milliseconds. */
export interface TimelineRow {
  label: string;
  created: number;
  firstStarted: number | undefined;
  completed: number | undefined;
  renders: Array<{ start: number; end: number }>;
}

const ROW = 26;
const LABEL = 150;
const WIDTH = 1100;
const TOP = 30;

/**
 * The run as a person reads it at a glance: one row per batch (a grey line from created to completed, a
 * green bar per item from its page load to when it was seen finished, a tick where its first item
 * started), seconds along the top, and the kill (if any) as a red line.
 */
export function timelineSvg(rows: TimelineRow[], startedAt: number, killedAt: number | undefined): string {
  const end = Math.max(
    ...rows.flatMap((row) => [row.completed ?? row.created, ...row.renders.map((render) => render.end)]),
  );
  const spanMs = Math.max(1, end - startedAt);
  const scale = (WIDTH - LABEL - 20) / spanMs;
  const x = (at: number) => (LABEL + (at - startedAt) * scale).toFixed(1);
  const height = TOP + rows.length * ROW + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  for (let second = 0; second * 1000 <= spanMs; second += spanMs > 60_000 ? 10 : spanMs > 20_000 ? 5 : 1) {
    const at = startedAt + second * 1000;
    parts.push(
      `<line x1="${x(at)}" y1="${TOP - 8}" x2="${x(at)}" y2="${height - 25}" stroke="#eee"/>`,
      `<text x="${x(at)}" y="${TOP - 12}" text-anchor="middle" fill="#666">${second} s</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = TOP + index * ROW;
    const middle = y + ROW / 2;
    parts.push(`<text x="6" y="${middle + 4}">${escape(row.label)}</text>`);
    parts.push(
      `<line x1="${x(row.created)}" y1="${middle}" x2="${x(row.completed ?? end)}" y2="${middle}" stroke="#999" stroke-width="2"/>`,
      `<circle cx="${x(row.created)}" cy="${middle}" r="3" fill="#333"><title>created</title></circle>`,
    );
    for (const render of row.renders) {
      const width = Math.max(1, (render.end - render.start) * scale);
      parts.push(
        `<rect x="${x(render.start)}" y="${y + 6}" width="${width.toFixed(1)}" height="${ROW - 12}" fill="#3a3" fill-opacity="0.35" stroke="#2a2" stroke-width="0.5"/>`,
      );
    }
    if (row.firstStarted !== undefined) {
      parts.push(
        `<line x1="${x(row.firstStarted)}" y1="${y + 2}" x2="${x(row.firstStarted)}" y2="${y + ROW - 2}" stroke="#06c" stroke-width="2"><title>first item started</title></line>`,
      );
    }
    if (row.completed !== undefined) {
      parts.push(
        `<rect x="${Number(x(row.completed)) - 3}" y="${middle - 3}" width="6" height="6" fill="#000"><title>completed</title></rect>`,
      );
    }
  });
  if (killedAt !== undefined) {
    parts.push(
      `<line x1="${x(killedAt)}" y1="${TOP - 8}" x2="${x(killedAt)}" y2="${height - 25}" stroke="#d00" stroke-width="2"/>`,
      `<text x="${Number(x(killedAt)) + 4}" y="${height - 12}" fill="#d00">replica killed (kill -9)</text>`,
    );
  }
  parts.push(
    `<text x="6" y="${height - 12}" fill="#666">● created  | first item started  ▮ item render  ■ completed</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
