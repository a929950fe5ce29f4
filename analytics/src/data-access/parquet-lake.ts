import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { isLakeType, type LakeEvent } from '../domain/lake-event';
import { dataStructure } from '../domain/lake-schemas';

/** SQL string literal; every value interpolated into DuckDB SQL goes through it. */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export interface Partition {
  type: string;
  date: string;
  dir: string;
  files: string[];
}

/**
 * The data lake on disk, written and read with DuckDB: Parquet files in the Hive layout
 * `type=<event type>/date=<YYYY-MM-DD>/part-<batch>-v<schema version>.parquet` that Spark,
 * Trino and DuckDB all read as one table partitioned by type and date.
 * Every file is written to a temporary name and renamed, so a reader never sees half a file.
 */
export class ParquetLake {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly root: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(root: string): Promise<ParquetLake> {
    fs.mkdirSync(root, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new ParquetLake(path.resolve(root), instance, connection);
  }

  /** One DuckDB statement at a time on the shared connection. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes one batch, one file per (type, date, schema version). The file names come from
   * the batch id, so writing the same batch again (after a crash) replaces its files.
   */
  writeBatch(batchId: string, events: LakeEvent[]): Promise<string[]> {
    return this.serial(async () => {
      const table = `batch_${batchId}`;
      await this.connection.run(
        `CREATE OR REPLACE TEMP TABLE ${table} (event_id VARCHAR, type VARCHAR, occurred_at VARCHAR,
           date VARCHAR, schema_version INTEGER, producer VARCHAR, correlation_id VARCHAR,
           causation_id VARCHAR, request_id VARCHAR, stream_seq BIGINT, data VARCHAR)`,
      );
      const appender = await this.connection.createAppender(table);
      const optional = (value: string | null) =>
        value === null ? appender.appendNull() : appender.appendVarchar(value);
      for (const e of events) {
        appender.appendVarchar(e.eventId);
        appender.appendVarchar(e.type);
        appender.appendVarchar(e.occurredAt);
        appender.appendVarchar(e.occurredAt.slice(0, 10));
        appender.appendInteger(e.schemaVersion);
        appender.appendVarchar(e.producer);
        optional(e.correlationId);
        optional(e.causationId);
        optional(e.requestId);
        appender.appendBigInt(BigInt(e.streamSeq));
        appender.appendVarchar(JSON.stringify(e.data ?? null));
        appender.endRow();
      }
      appender.closeSync();

      const groups = new Map<string, { type: string; date: string; version: number }>();
      for (const e of events) {
        if (!isLakeType(e.type)) throw new Error(`not a lake type: ${e.type}`);
        const date = e.occurredAt.slice(0, 10);
        groups.set(`${e.type}|${date}|${e.schemaVersion}`, {
          type: e.type,
          date,
          version: e.schemaVersion,
        });
      }
      const files: string[] = [];
      for (const { type, date, version } of groups.values()) {
        const dir = path.join(this.root, `type=${type}`, `date=${date}`);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `part-${batchId}-v${version}.parquet`);
        const structure = dataStructure(type);
        const data = structure
          ? `json_transform(data, ${literal(JSON.stringify(structure))}) AS data`
          : 'data';
        await this.copyTo(
          `SELECT event_id, occurred_at::TIMESTAMPTZ AS occurred_at, schema_version, producer,
                  correlation_id, causation_id, request_id, stream_seq, ${data}
           FROM ${table}
           WHERE type = ${literal(type)} AND date = ${literal(date)} AND schema_version = ${version}
           ORDER BY occurred_at, stream_seq`,
          file,
        );
        files.push(path.relative(this.root, file));
      }
      await this.connection.run(`DROP TABLE ${table}`);
      return files;
    });
  }

  private async copyTo(select: string, file: string) {
    const tmp = `${file}.tmp`;
    await this.connection.run(
      `COPY (${select}) TO ${literal(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    fs.renameSync(tmp, file);
  }

  /** Merges a partition's files into `output` (relative to the lake), through a temporary file. */
  mergeFiles(inputs: string[], output: string): Promise<void> {
    return this.serial(async () => {
      const list = inputs.map((f) => literal(path.join(this.root, f))).join(', ');
      await this.copyTo(
        `SELECT * FROM read_parquet([${list}], union_by_name = true) ORDER BY occurred_at, stream_seq`,
        path.join(this.root, output),
      );
    });
  }

  partitions(): Partition[] {
    const result: Partition[] = [];
    for (const typeDir of safeList(this.root)) {
      if (!typeDir.startsWith('type=')) continue;
      for (const dateDir of safeList(path.join(this.root, typeDir))) {
        if (!dateDir.startsWith('date=')) continue;
        const dir = path.join(typeDir, dateDir);
        const files = safeList(path.join(this.root, dir))
          .filter((f) => f.endsWith('.parquet'))
          .map((f) => path.join(dir, f));
        result.push({ type: typeDir.slice(5), date: dateDir.slice(5), dir, files });
      }
    }
    return result;
  }

  exists(relative: string): boolean {
    return fs.existsSync(path.join(this.root, relative));
  }

  remove(relative: string): void {
    fs.rmSync(path.join(this.root, relative), { force: true });
  }

  /** A table expression over the lake, or over one event type; null when it has no files yet. */
  source(type?: string): string | null {
    const has = this.partitions().some((p) => (!type || p.type === type) && p.files.length > 0);
    if (!has) return null;
    const glob = path.join(this.root, type ? `type=${type}` : 'type=*', 'date=*', '*.parquet');
    return `read_parquet(${literal(glob)}, hive_partitioning = true, union_by_name = true)`;
  }

  /** Runs a query (SELECT over `source()`) and returns JSON-safe rows. */
  query<T = Record<string, unknown>>(sql: string, params?: (string | number)[]): Promise<T[]> {
    return this.serial(async () => {
      const reader = await this.connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as T[];
    });
  }

  /** Runs statements that return nothing (temporary tables for training). */
  run(sql: string): Promise<void> {
    return this.serial(async () => void (await this.connection.run(sql)));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
