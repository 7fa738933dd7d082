// Raw results as JSON: Infinity (a latency past the window, "never arrived") does not survive JSON, so it is
// written as the string 'Infinity' and read back as the number.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeResultsJson(file, results) {
  writeFileSync(file, JSON.stringify(results, (_k, v) => (v === Infinity ? 'Infinity' : v), 1));
}

export function readResultsJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === 'Infinity' ? Infinity : v));
}
