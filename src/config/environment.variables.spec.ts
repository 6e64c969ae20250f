import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLES } from './environment.variables';

const root = join(__dirname, '..', '..');

/** The rows of docs/configuration.md's table: var → [meaning, default]. */
function readmeRows(): Map<string, [string, string]> {
  const section = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
  const rows = new Map<string, [string, string]>();
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
    if (cells.length !== 5 || cells[1] === 'var' || cells[1].startsWith('---')) continue;
    rows.set(cells[1], [cells[2], cells[3]]);
  }
  return rows;
}

/** `NAME=value` lines of .env.example. */
function envExample(): Map<string, string> {
  const text = readFileSync(join(root, '.env.example'), 'utf8');
  const entries = text
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return new Map(entries);
}

describe('environment variables', () => {
  it('should be documented in docs/configuration.md exactly as the loader knows them', () => {
    const rows = readmeRows();
    for (const variable of ENVIRONMENT_VARIABLES) {
      expect([variable.name, rows.get(variable.name)]).toEqual([
        variable.name,
        [variable.meaning, variable.defaultText],
      ]);
    }
    expect([...rows.keys()].sort()).toEqual(ENVIRONMENT_VARIABLES.map((variable) => variable.name).sort());
  });

  it('should be listed in .env.example with the loader’s literal defaults', () => {
    const example = envExample();
    for (const variable of ENVIRONMENT_VARIABLES) {
      expect([variable.name, example.get(variable.name)]).toEqual([
        variable.name,
        'default' in variable ? variable.default : '',
      ]);
    }
    expect([...example.keys()].sort()).toEqual(ENVIRONMENT_VARIABLES.map((variable) => variable.name).sort());
  });
});
