import { z } from 'zod';
import { eventDefinition } from '@ticketaka/common';

/**
 * The lake's schema registry, derived from the event catalogue: each (type, schemaVersion)
 * gets a typed `data` STRUCT in its Parquet files, so engines see columns, not JSON text.
 * Types outside the catalogue (dead letters, rejected messages, events of a service this
 * build does not know) keep `data` as JSON text.
 */
export type DuckType = string | { [field: string]: DuckType } | [DuckType];

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
}

function duckTypeOf(schema: JsonSchema): DuckType {
  if (schema.anyOf) {
    const nonNull = schema.anyOf.filter((s) => s.type !== 'null');
    return nonNull.length === 1 && nonNull[0] ? duckTypeOf(nonNull[0]) : 'JSON';
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.enum || schema.const !== undefined) return 'VARCHAR';
  switch (type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
      return schema.format === 'date-time' ? 'TIMESTAMPTZ' : 'VARCHAR';
    case 'array':
      return [schema.items ? duckTypeOf(schema.items) : 'JSON'];
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, duckTypeOf(v)]),
      );
    default:
      return 'JSON';
  }
}

const cache = new Map<string, DuckType | null>();

/** The `json_transform` structure of a type's data, or null when it stays JSON text. */
export function dataStructure(type: string): DuckType | null {
  if (cache.has(type)) return cache.get(type) ?? null;
  const definition = eventDefinition(type);
  const structure = definition
    ? duckTypeOf(z.toJSONSchema(definition.data, { io: 'output' }) as JsonSchema)
    : null;
  cache.set(type, structure);
  return structure;
}
