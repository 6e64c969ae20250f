#!/usr/bin/env node
// The module map's rule, checked: arrows between modules point one way. A module is a folder directly under
// src/ (a file directly in src/ is its own module); an arrow is a relative import or re-export in a non-spec
// file. Prints each module's arrows and every loop; exits 1 when there is a loop.
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const root = resolve(process.argv[2] ?? 'src');
const SPEC = /\.(spec|testing)\.ts$/;
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.[^'"]+)['"]/g;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') && !SPEC.test(path) ? [path] : [];
  });
}

function moduleOf(path) {
  const [first, ...rest] = relative(root, path).split(sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

const arrows = new Map();
for (const file of sourceFiles(root)) {
  const from = moduleOf(file);
  if (!arrows.has(from)) arrows.set(from, new Set());
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolve(dirname(file), specifier);
    if (!target.startsWith(root + sep)) continue;
    const to = moduleOf(target.endsWith('.ts') ? target : `${target}.ts`);
    if (to !== from) arrows.get(from).add(to);
  }
}

// Tarjan's strongly connected components: a component of more than one module is a loop.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const loops = [];
function visit(node) {
  index.set(node, counter);
  low.set(node, counter);
  counter += 1;
  stack.push(node);
  onStack.add(node);
  for (const next of arrows.get(node) ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(node, Math.min(low.get(node), index.get(next)));
    }
  }
  if (low.get(node) !== index.get(node)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== node);
  if (component.length > 1) loops.push(component.sort());
}
for (const node of [...arrows.keys()].sort()) if (!index.has(node)) visit(node);

for (const [from, targets] of [...arrows].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${from} -> ${[...targets].sort().join(', ') || '(nothing)'}`);
}
if (loops.length > 0) {
  for (const loop of loops) console.error(`module loop: ${loop.join(' <-> ')}`);
  process.exit(1);
}
console.log(`${arrows.size} modules, no loop`);
