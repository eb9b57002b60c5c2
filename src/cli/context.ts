/**
 * What every command receives: parsed options, the output channel and a way to reach the
 * configuration.
 */
import { TesseraError } from '../errors.js';
import { assemble } from '../store/assemble.js';
import { openStore } from '../store/open.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { OutputOptions } from './format/types.js';
import type { Io, OutputFormat } from './output.js';

export interface CommandContext {
  readonly io: Io;
  readonly format: OutputFormat;
  /** pveum's standard output options, `--output-format` included (format/types.ts). */
  readonly output: OutputOptions;
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  /** `--store`; `undefined` means the default store (see store/open.ts). */
  readonly storeUrl: string | undefined;
}

/** Loads a snapshot from the store the command line names (or the default store). */
export async function loadSnapshot(ctx: CommandContext): Promise<AccessSnapshot> {
  const store = await openStore(ctx.storeUrl);
  try {
    return assemble(await store.snapshot());
  } finally {
    await store.close();
  }
}

/** A required positional argument. */
export function arg(ctx: CommandContext, index: number, name: string): string {
  const value = ctx.args[index];
  if (value === undefined)
    throw new TesseraError('usage', `missing argument <${name}>`, { field: name });
  return value;
}

/** Fails when more positional arguments were given than the command takes. */
export function noMoreArgs(ctx: CommandContext, count: number): void {
  if (ctx.args.length > count) {
    throw new TesseraError('usage', `unexpected argument '${ctx.args[count] ?? ''}'`);
  }
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.options[name];
  return typeof value === 'string' ? value : undefined;
}
