/**
 * One API method, described once: its Proxmox name, method and path, parameters, what it
 * returns and what it does with a caller and a snapshot, without HTTP. The API serves each
 * operation under `/api2/json`; the command line derives its pveum commands from the same
 * descriptions and runs them on the store as the node's administrator, as Proxmox derives
 * `pveum` from its API schema. A method that needs the HTTP request (a login, which sets a
 * cookie; the audit, which reads the served certificate) is a route, not an operation.
 */
import type { PermissionEngine } from '../permissions/engine.js';
import type { Authorization } from '../services/authorize.js';
import type { ServiceContext } from '../services/context.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { Caller } from './caller.js';
import type { Params, Schema } from './params.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The part of a method's `returns` schema that printing reads (Proxmox's JSON schema). */
export interface ReturnsSchema {
  readonly type?: string;
  readonly optional?: boolean | number;
  readonly title?: string;
  readonly renderer?: string;
  readonly print_width?: number;
  readonly maxLength?: number;
  readonly items?: ReturnsSchema;
  readonly properties?: Readonly<Record<string, ReturnsSchema>>;
}

/** What any operation is given. */
export interface OpenOperationContext<S extends Schema> {
  readonly params: Params<S>;
  readonly snapshot: AccessSnapshot;
  readonly engine: PermissionEngine;
  readonly services: ServiceContext;
  readonly now: number;
}

/** What an operation for authenticated callers is given. */
export interface OperationContext<S extends Schema> extends OpenOperationContext<S> {
  readonly caller: Caller;
  /** The caller's authorization, for what listings show; changes decide in the services. */
  readonly checks: Authorization;
}

export interface OperationDoc {
  /** Proxmox's name of the method (`create_user`), as `pveum` and the API viewer know it. */
  readonly name: string;
  /** One sentence, as Proxmox's API schema describes the method. */
  readonly description: string;
  readonly returns?: ReturnsSchema;
}

export interface OperationOptions extends OperationDoc {
  /** `false` refuses API tokens (Proxmox's methods that need a ticket). */
  readonly tokens?: boolean;
}

export type OperationHandler<S extends Schema> = (ctx: OperationContext<S>) => unknown;
export type OpenOperationHandler<S extends Schema> = (ctx: OpenOperationContext<S>) => unknown;

/** Where operations are registered: the HTTP API serves them, the command line collects them. */
export interface OperationRegistry {
  /** A method for authenticated callers. */
  operation<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: OperationHandler<S>,
    options: OperationOptions,
  ): void;
  /** A method open to the world (Proxmox's `world`), such as the realm list of the login form. */
  openOperation<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: OpenOperationHandler<S>,
    options: OperationDoc,
  ): void;
}

/** A registered operation, as the command line finds it. */
export interface Operation {
  readonly method: Method;
  /** Under `/api2/json`, with Fastify's placeholders (`/access/users/:userid`). */
  readonly path: string;
  readonly schema: Schema;
  readonly doc: OperationDoc;
  readonly open: boolean;
  readonly tokens: boolean;
  readonly run: (ctx: OperationContext<Schema>) => unknown;
}

/** Collects operations without serving them. */
export class OperationCollector implements OperationRegistry {
  private readonly byKey = new Map<string, Operation>();

  operation<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: OperationHandler<S>,
    options: OperationOptions,
  ): void {
    const { tokens, ...doc } = options;
    this.add({
      method,
      path,
      schema,
      doc,
      open: false,
      tokens: tokens !== false,
      run: handler as unknown as Operation['run'],
    });
  }

  openOperation<S extends Schema>(
    method: Method,
    path: string,
    schema: S,
    handler: OpenOperationHandler<S>,
    options: OperationDoc,
  ): void {
    this.add({
      method,
      path,
      schema,
      doc: options,
      open: true,
      tokens: true,
      run: handler as unknown as Operation['run'],
    });
  }

  private add(operation: Operation): void {
    const key = operationKey(operation.method, operation.path);
    if (this.byKey.has(key)) throw new Error(`operation ${key} registered twice`);
    this.byKey.set(key, operation);
  }

  get(method: Method, path: string): Operation | undefined {
    return this.byKey.get(operationKey(method, path));
  }

  all(): readonly Operation[] {
    return [...this.byKey.values()];
  }
}

export function operationKey(method: Method, path: string): string {
  return `${method} ${path}`;
}
