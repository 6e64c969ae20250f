import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** One measured figure beside its limit. `ratio` is value ÷ limit; `target` says what passes. */
export interface Figure {
  scenario: string;
  metric: string;
  value: number;
  limit: number | null;
  ratio: number | null;
  target: string;
  pass: boolean | null;
}

interface ResultsFile {
  cpus: number;
  date: string;
  results: Figure[];
}

/** Replaces the figures of the scenarios just run, keeps the others, and writes both files. */
export function writeResults(folder: string, name: string, figures: Figure[]): void {
  mkdirSync(folder, { recursive: true });
  const jsonPath = join(folder, `${name}.json`);
  const previous: ResultsFile = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as ResultsFile)
    : { cpus: 0, date: '', results: [] };
  const ran = new Set(figures.map((figure) => figure.scenario));
  const results = [...previous.results.filter((figure) => !ran.has(figure.scenario)), ...figures];
  const file: ResultsFile = { cpus: availableParallelism(), date: new Date().toISOString(), results };
  writeFileSync(jsonPath, `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(join(folder, `${name}.md`), markdown(file));
}

function markdown(file: ResultsFile): string {
  const rows = file.results.map(
    (f) =>
      `| ${f.scenario} | ${f.metric} | ${round(f.value)} | ${f.limit === null ? '—' : round(f.limit)} | ` +
      `${f.ratio === null ? '—' : f.ratio.toFixed(2)} | ${f.target} | ${f.pass === null ? '—' : f.pass ? 'pass' : 'FAIL'} |`,
  );
  return [
    `Benchmark results, ${file.date}, ${file.cpus} CPUs (\`npm run bench\`).`,
    '',
    '| scenario | metric | ours | limit | ratio | target | pass |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function round(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}
