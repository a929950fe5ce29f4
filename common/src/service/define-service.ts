import type { Express } from 'express';
import type { z } from 'zod';
import type { BaseConfig } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import {
  createServiceApp,
  listen,
  type HttpServerHandle,
  type ServiceAppOptions,
} from './service-app';
import { createServiceRuntime, type ServiceRuntime } from './service-runtime';

/** What a service's set-up hands back to be wired after its consumers and workers. */
export interface ServiceSetup<X extends object = object> {
  /** The service's own routes, mounted between the shared middleware and the 404 handler. */
  routes?: (app: Express) => void;
  app?: ServiceAppOptions;
  /** Runs once the server listens: steps that need the URL, or must not run before it. */
  onListening?: (http: HttpServerHandle) => void | Promise<void>;
  /** Extra handles the tests (or main) need, returned next to the runtime. */
  expose?: X;
}

export interface ServiceDefinition<C extends BaseConfig, O extends object, X extends object> {
  name: string;
  config: z.ZodType<C>;
  migrationsDir: string;
  setup: (runtime: ServiceRuntime<C>, options: O) => Promise<ServiceSetup<X>>;
}

export interface StartOptions {
  /** Tests that exercise a stopped relay start the service without one. */
  startRelay?: boolean;
}

export type StartedService<C extends BaseConfig, X extends object = object> = {
  runtime: ServiceRuntime<C>;
  url: string;
  port: number;
  logger: ServiceRuntime<C>['logger'];
  close(): Promise<void>;
} & X;

/**
 * The composition-root prologue every service shares, written once: read and check the
 * configuration, build the runtime (schema migrated, bus, relay), let the service add its
 * consumers, workers and routes, listen, and close whatever was built if any step fails.
 * The returned start function is used by main.ts and, in-process on port 0, by the tests.
 */
export function defineService<
  C extends BaseConfig,
  O extends object = object,
  X extends object = object,
>(definition: ServiceDefinition<C, O, X>) {
  return async (
    env: NodeJS.ProcessEnv = process.env,
    options: O & StartOptions = {} as O & StartOptions,
  ): Promise<StartedService<C, X>> => {
    const config = loadConfig(definition.name, definition.config, env) as C & { PORT?: number };
    const runtime = await createServiceRuntime({
      name: definition.name,
      config,
      migrationsDir: definition.migrationsDir,
      startRelay: options.startRelay,
    });
    try {
      const setup = await definition.setup(runtime, options);
      const app = createServiceApp(runtime, (a) => setup.routes?.(a), setup.app);
      const http = await listen(runtime, app, config.PORT ?? 0, setup.app?.hotPath);
      await setup.onListening?.(http);
      return {
        ...(setup.expose as X),
        runtime,
        url: http.url,
        port: http.port,
        logger: runtime.logger,
        close: () => runtime.close(),
      };
    } catch (error) {
      await runtime.close();
      throw error;
    }
  };
}
