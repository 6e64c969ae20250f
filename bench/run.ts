/**
 * `npm run bench [-- scenario …] [-- --smoke] [-- --soak-renders N]`: runs the scenarios (all by default),
 * each starting what it needs, and writes bench/results/latest.{md,json} (smoke runs: smoke.{md,json},
 * no targets judged).
 */
import { startReactReportFrontend } from './fixtures/react-report/react-report-frontend';
import { startReportFrontend } from '../test/fixtures/report-frontend';
import { writeResults, type Figure } from './harness/results';
import { BENCH_JWT_SECRET } from './harness/service';
import { batchScenario } from './scenarios/batch.scenario';
import { burstScenario } from './scenarios/burst.scenario';
import { classScenario } from './scenarios/class.scenario';
import { fleetScenario } from './scenarios/fleet.scenario';
import type { BenchContext } from './scenarios/context';
import { hitScenario } from './scenarios/hit.scenario';
import { renderScenario } from './scenarios/render.scenario';
import { soakScenario } from './scenarios/soak.scenario';

const SCENARIOS: Record<
  string,
  (context: BenchContext, options: { soakRenders: number }) => Promise<Figure[]>
> = {
  hit: hitScenario,
  render: renderScenario,
  class: classScenario,
  batch: batchScenario,
  fleet: fleetScenario,
  burst: burstScenario,
  soak: (context, options) => soakScenario(context, options.soakRenders),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const soakIndex = args.indexOf('--soak-renders');
  const soakRenders = soakIndex >= 0 ? Number(args[soakIndex + 1]) : 1000;
  const named = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--soak-renders');
  const unknown = named.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`,
    );
  const chosen = named.length > 0 ? named : Object.keys(SCENARIOS);

  const frontend = await startReportFrontend({ jwtSecret: BENCH_JWT_SECRET });
  const realistic = await startReactReportFrontend({ jwtSecret: BENCH_JWT_SECRET });
  const context: BenchContext = { smoke, frontend, realistic };
  const figures: Figure[] = [];
  try {
    for (const name of chosen) {
      const started = performance.now();
      const results = await SCENARIOS[name](context, { soakRenders });
      figures.push(...results);
      console.log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      for (const figure of results) {
        console.log(
          `  ${figure.metric}: ${figure.value.toFixed(2)} (limit ${figure.limit?.toFixed(2) ?? '—'}, ratio ${figure.ratio?.toFixed(2) ?? '—'}, target ${figure.target}${figure.pass === null ? '' : figure.pass ? ', pass' : ', FAIL'})`,
        );
      }
    }
  } finally {
    await frontend.close();
    await realistic.close();
  }
  writeResults('bench/results', smoke ? 'smoke' : 'latest', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
