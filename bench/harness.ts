/**
 * A thin layer over mitata's `measure`: each comparison runs our function and
 * the peers in the same process, rounds interleaved so that machine noise hits
 * all of them alike, and reports time ratios (absolute times here are noise).
 */
import { measure } from 'mitata';

export type Candidate = () => unknown;

/** A same-run target: `ours / peer` must be at most `maxRatio`. */
export interface Target {
  /**
   * A candidate's name, or several: the floor is then the sum of their times
   * (work no implementation can skip, measured piece by piece).
   */
  peer: string | readonly string[];
  maxRatio: number;
}

export interface Row {
  group: string;
  name: string;
  ns: number;
}

export interface Verdict {
  group: string;
  peer: string;
  ratio: number;
  maxRatio: number;
  met: boolean;
}

const rows: Row[] = [];
const verdicts: Verdict[] = [];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function format(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/**
 * Measures `ours` and each peer over `ROUNDS` (or `options.rounds`)
 * interleaved rounds and prints the median time of each with its ratio to
 * ours (>1 means ours is faster).
 */
export async function compare(
  group: string,
  candidates: Record<string, Candidate>,
  targets: Target[] = [],
  options: { minTimeMs?: number; baseline?: string; rounds?: number } = {},
): Promise<Map<string, number>> {
  const names = Object.keys(candidates);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < (options.rounds ?? ROUNDS); round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const stats = await measure(candidates[name]!, {
        min_cpu_time: (options.minTimeMs ?? 300) * 1e6,
        inner_gc: false,
      } as never);
      samples.get(name)!.push(stats.avg);
    }
  }
  const times = new Map(names.map((name) => [name, median(samples.get(name)!)]));
  const ours = times.get(names[0]!)!;
  console.log(`\n## ${group}`);
  for (const name of names) {
    const ns = times.get(name)!;
    rows.push({ group, name, ns });
    const ratio = name === names[0] ? '' : `  ${(ns / ours).toFixed(2)}× ${options.baseline ?? 'ours'}`;
    console.log(`  ${name.padEnd(44)} ${format(ns).padStart(10)}${ratio}`);
  }
  for (const target of targets) {
    const parts = typeof target.peer === 'string' ? [target.peer] : target.peer;
    let peer = 0;
    for (const part of parts) {
      const ns = times.get(part);
      if (ns === undefined) throw new Error(`bench target names unknown peer ${part}`);
      peer += ns;
    }
    const name = parts.join(' + ');
    const ratio = ours / peer;
    const met = ratio <= target.maxRatio;
    verdicts.push({ group, peer: name, ratio, maxRatio: target.maxRatio, met });
    const what = parts.length > 1 ? `the sum (${format(peer)}) of ${name}` : `${name}'s time`;
    console.log(
      `  target: ours ≤ ${target.maxRatio}× ${what} → ${ratio.toFixed(2)}× ${met ? 'met' : 'MISSED'}`,
    );
  }
  return times;
}

/** Prints the markdown summary used in the README. */
export function report(): void {
  console.log('\n| comparison | peer | our time ÷ peer time | target |');
  console.log('|---|---|---|---|');
  for (const v of verdicts) {
    console.log(`| ${v.group} | ${v.peer} | ${v.ratio.toFixed(2)} | ≤ ${v.maxRatio} ${v.met ? '✓' : '✗'} |`);
  }
  const missed = verdicts.filter((v) => !v.met);
  if (missed.length > 0) console.log(`\n${missed.length} target(s) missed in this run.`);
}
