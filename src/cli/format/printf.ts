/**
 * C's `%.Nf` and `%.Ng` on the exact binary value of a double (ties to even), which is
 * what Perl prints; JavaScript's toFixed/toPrecision round ties away from zero.
 */

/** The exact decimal digits of |x| and where the point goes (digits.length - scale). */
function exactDecimal(x: number): { digits: string; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let e: number;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  if (e >= 0) return { digits: (mantissa << BigInt(e)).toString(), scale: 0 };
  return { digits: (mantissa * 5n ** BigInt(-e)).toString(), scale: -e };
}

/** Rounds a digit string to keep `keep` leading digits, ties to even; may grow by one digit. */
function roundDigits(digits: string, keep: number): string {
  if (keep >= digits.length) return digits + '0'.repeat(keep - digits.length);
  if (keep < 0) return '';
  const head = keep === 0 ? 0n : BigInt(digits.slice(0, keep));
  const next = digits.charCodeAt(keep) - 48;
  const restZero = /^0*$/.test(digits.slice(keep + 1));
  const up = next > 5 || (next === 5 && (!restZero || head % 2n === 1n));
  const rounded = (up ? head + 1n : head).toString();
  return keep === 0 && rounded === '0' ? '' : rounded.padStart(keep, '0');
}

/** `%.{precision}f` */
export function formatFixed(x: number, precision: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const { digits, scale } = exactDecimal(x);
  const intLength = digits.length - scale;
  let r = roundDigits(digits, intLength + precision);
  const wantLength = Math.max(intLength, 0) + precision;
  r = r.padStart(Math.max(wantLength, 1 + precision), '0');
  const whole = r.slice(0, r.length - precision) || '0';
  const frac = r.slice(r.length - precision);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  return sign + whole.replace(/^0+(?=\d)/, '') + (precision > 0 ? '.' + frac : '');
}

/** `%.{precision}g` */
export function formatG(x: number, precision: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, scale } = exactDecimal(x);
  const stripped = digits.replace(/^0+/, '');
  let exp10 = stripped.length - scale - 1;
  let r = roundDigits(stripped, precision);
  if (r.length > precision) {
    exp10 += 1;
    r = r.slice(0, precision);
  }
  if (exp10 < -4 || exp10 >= precision) {
    const mant = (r[0] ?? '0') + (r.length > 1 ? '.' + r.slice(1) : '');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ae = Math.abs(exp10);
    return `${sign}${m}e${exp10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  let text: string;
  if (exp10 >= 0) text = r.slice(0, exp10 + 1) + '.' + r.slice(exp10 + 1);
  else text = '0.' + '0'.repeat(-exp10 - 1) + r;
  text = text.replace(/0+$/, '').replace(/\.$/, '');
  return sign + text;
}
