/**
 * The renderers a schema property may name (`renderer`), as PVE::Format and
 * PVE::CLIFormatter register them; `--human-readable 0` turns them off.
 */
import { formatFixed } from './printf.js';
import { perlNumber, perlNumify, perlString } from './perl-scalar.js';
import type { ApiValue } from './types.js';
import { pveumYaml } from './yaml.js';

type Renderer = (value: ApiValue) => string;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** strftime("%F %H:%M:%S") of the epoch's whole seconds (rounded down, as Perl's localtime does), local time or UTC. */
function timestamp(value: ApiValue, utc: boolean): string {
  const d = new Date(Math.floor(perlNumify(value)) * 1000);
  if (Number.isNaN(d.getTime()))
    throw new Error(`timestamp '${perlString(value as string | number)}' out of range`);
  const [y, mo, day, h, mi, s] = utc
    ? [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      ]
    : [
        d.getFullYear(),
        d.getMonth() + 1,
        d.getDate(),
        d.getHours(),
        d.getMinutes(),
        d.getSeconds(),
      ];
  return `${y}-${pad(mo)}-${pad(day)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** POSIX::round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function duration(value: ApiValue): string {
  let rest = roundHalfAway(value === null || value === undefined ? 0 : perlNumify(value));
  if (!rest) return '0s';
  const parts: string[] = [];
  const step = (unit: string, length: number): boolean => {
    const v = Math.trunc(rest / length);
    if (v <= 0) return false;
    parts.push(`${perlNumber(v)}${unit}`);
    rest -= v * length;
    return true;
  };
  // Proxmox passes the output options where render_duration expects its accuracy flag,
  // so the CLI always limits accuracy: no minutes next to weeks, no seconds next to days.
  const weeks = step('w', 7 * 24 * 3600);
  const days = step('d', 24 * 3600) || weeks;
  step('h', 3600);
  if (!weeks) step('m', 60);
  if (!days) step('s', 1);
  return parts.join(' ');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function bytes(value: ApiValue): string {
  let v = perlNumify(value);
  let unit = 0;
  if (v > 1023) {
    unit = Math.trunc(Math.log(v) / Math.log(1024));
    v /= 1024 ** unit;
  }
  return `${formatFixed(v, 2)} ${UNITS[unit] ?? ''}`;
}

/** YAML::XS's bytes, one character each, as the cell then holds them (see pveumYaml). */
function yamlText(value: ApiValue): string {
  return pveumYaml(value).replace(/^---[\n\s]/, '');
}

const RENDERERS: Readonly<Record<string, Renderer>> = {
  timestamp: (v) => timestamp(v, false),
  timestamp_gmt: (v) => timestamp(v, true),
  duration,
  fraction_as_percentage: (v) => formatFixed(perlNumify(v) * 100, 2) + '%',
  bytes,
  yaml: yamlText,
};

export function renderer(name: string): Renderer {
  const found = Object.hasOwn(RENDERERS, name) ? RENDERERS[name] : undefined;
  if (found === undefined) throw new Error(`internal error: unknown renderer '${name}'`);
  return found;
}
