import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { localPort } from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { isPortOpen, waitUntil } from '../process/port';
import { dataDir, repoRoot } from '../paths';
import { reused, type RunningServer, type ServerDefinition } from './server';

const run = promisify(execFile);

const INSTALL_HINT = 'install them with `apt-get install -y openjdk-17-jre-headless maven`';
const pomFile = path.join(repoRoot, 'infra', 'kafka', 'pom.xml');

/** Layout under `.local/kafka`: jars, the formatted KRaft log dir and the generated config. */
function layout(env?: NodeJS.ProcessEnv) {
  const root = dataDir('kafka', env);
  return {
    root,
    libs: path.join(root, 'libs'),
    stamp: path.join(root, 'libs', '.installed'),
    logDirs: path.join(root, 'data'),
    clusterIdFile: path.join(root, 'cluster-id'),
    serverProperties: path.join(root, 'server.properties'),
    log4jConfig: path.join(root, 'log4j2.properties'),
    tls: path.join(root, 'tls'),
  };
}

type Layout = ReturnType<typeof layout>;

function javaCommand(env: NodeJS.ProcessEnv): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Returns what `command versionArgs` printed; a missing command fails with the install hint. */
async function requireTool(command: string, versionArgs: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(command, versionArgs, { env });
    return `${stdout}${stderr}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `kafka: \`${command}\` not found; Kafka needs Java 17+ and Maven: ${INSTALL_HINT}`,
      );
    }
    throw error;
  }
}

/** Kafka 4 brokers are built for Java 17; an older java would fail deep in a stack trace. */
async function requireJava17(env: NodeJS.ProcessEnv) {
  const java = javaCommand(env);
  const banner = await requireTool(java, ['-version'], env);
  const [, first, second] = /version "(\d+)(?:\.(\d+))?/.exec(banner) ?? [];
  // Java 8 and older report themselves as 1.x.
  const major = first === '1' ? Number(second) : Number(first);
  if (Number.isFinite(major) && major < 17) {
    throw new Error(`kafka: ${java} is Java ${major}; Kafka needs Java 17+: ${INSTALL_HINT}`);
  }
}

/**
 * The stamp holds a hash of the pom, so bumping the Kafka version in the pom refetches the jars
 * while every later start skips Maven entirely.
 */
function pomHash(): string {
  return createHash('sha256').update(fs.readFileSync(pomFile)).digest('hex');
}

async function installJars(dirs: Layout, env: NodeJS.ProcessEnv): Promise<void> {
  const wanted = pomHash();
  if (fs.existsSync(dirs.stamp) && fs.readFileSync(dirs.stamp, 'utf8').trim() === wanted) return;

  await requireTool('mvn', ['-v'], env);
  process.stderr.write('kafka: fetching broker jars with Maven (first run only)…\n');
  const started = Date.now();
  // Fetch into a scratch folder and swap it in, so an interrupted download never leaves a
  // half-filled libs folder that later starts would take as installed.
  const staging = `${dirs.libs}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(dirs.root, { recursive: true });
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pomFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { env, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`kafka: Maven could not fetch the broker jars\n${stdout}${stderr}`.trimEnd());
  }
  fs.writeFileSync(path.join(staging, '.installed'), `${wanted}\n`);
  fs.rmSync(dirs.libs, { recursive: true, force: true });
  fs.renameSync(staging, dirs.libs);
  process.stderr.write(
    `kafka: broker jars installed in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what `random-uuid` prints). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka's own generator skips ids starting with '-' because tools would read them as flags.
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The partner network's setting, SASL PLAIN over TLS, on an extra listener. Off unless
 * KAFKA_SASL_SSL_PORT is set; KAFKA_SASL_USERS (`name:password,…`) are the accounts it accepts.
 */
interface SaslSsl {
  port: number;
  users: { name: string; password: string }[];
}

function saslSslOf(env: NodeJS.ProcessEnv): SaslSsl | undefined {
  if (!env.KAFKA_SASL_SSL_PORT) return undefined;
  const port = Number(env.KAFKA_SASL_SSL_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error('kafka: KAFKA_SASL_SSL_PORT must be a port number');
  }
  // Both end up inside a quoted JAAS string in server.properties: no quotes, backslashes,
  // separators or spaces, so nothing needs escaping.
  const users = (env.KAFKA_SASL_USERS ?? '').split(',').map((entry) => {
    const [, name, password] = /^([A-Za-z0-9._-]+):([^\s"\\,:]+)$/.exec(entry) ?? [];
    if (!name || !password) {
      throw new Error(
        'kafka: KAFKA_SASL_USERS must be `name:password[,name:password…]` when KAFKA_SASL_SSL_PORT is set',
      );
    }
    return { name, password };
  });
  return { port, users };
}

/** Where the SASL_SSL listener's self-signed certificate is; clients trust it as their CA. */
export function kafkaTlsFiles(env: NodeJS.ProcessEnv = process.env) {
  const tls = layout({ ...process.env, ...env }).tls;
  return {
    keystore: path.join(tls, 'broker.p12'),
    keystorePassword: path.join(tls, 'keystore-password'),
    caFile: path.join(tls, 'broker-cert.pem'),
  };
}

/** A self-signed certificate for 127.0.0.1 / localhost, made once per data dir. */
async function ensureKeystore(env: NodeJS.ProcessEnv) {
  const files = kafkaTlsFiles(env);
  if ([files.keystore, files.keystorePassword, files.caFile].every((f) => fs.existsSync(f))) {
    return { keystore: files.keystore, password: fs.readFileSync(files.keystorePassword, 'utf8') };
  }
  const tls = path.dirname(files.keystore);
  fs.rmSync(tls, { recursive: true, force: true });
  fs.mkdirSync(tls, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('hex');
  const keytool = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'keytool') : 'keytool';
  const store = ['-keystore', files.keystore, '-storetype', 'PKCS12', '-storepass', password];
  try {
    await run(
      keytool,
      [
        '-genkeypair',
        '-alias',
        'broker',
        '-keyalg',
        'RSA',
        '-keysize',
        '2048',
        '-validity',
        '3650',
        '-dname',
        'CN=localhost',
        '-ext',
        'SAN=ip:127.0.0.1,dns:localhost',
        ...store,
        '-keypass',
        password,
      ],
      { env },
    );
    await run(
      keytool,
      ['-exportcert', '-rfc', '-alias', 'broker', ...store, '-file', files.caFile],
      { env },
    );
  } catch (error) {
    fs.rmSync(tls, { recursive: true, force: true });
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`kafka: keytool could not make the TLS keystore\n${stdout}${stderr}`.trimEnd());
  }
  // Written last: its presence means the keystore and certificate are complete.
  fs.writeFileSync(files.keystorePassword, password, { mode: 0o600 });
  return { keystore: files.keystore, password };
}

function writeConfig(
  dirs: Layout,
  port: number,
  controllerPort: number,
  saslSsl?: SaslSsl & { keystore: string; password: string },
) {
  const listeners = `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`;
  const advertised = `PLAINTEXT://127.0.0.1:${port}`;
  const protocols = 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT';
  const sasl = saslSsl ? `,SASL_SSL://127.0.0.1:${saslSsl.port}` : '';
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `${listeners}${sasl}`,
    'advertised.listeners': `${advertised}${sasl}`,
    'controller.listener.names': 'CONTROLLER',
    // The broker and controller keep talking plain text to themselves on 127.0.0.1.
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `${protocols}${saslSsl ? ',SASL_SSL:SASL_SSL' : ''}`,
    'log.dirs': dirs.logDirs,
    'auto.create.topics.enable': 'true',
    'num.partitions': '3',
    // A single broker cannot hold more than one replica of anything.
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // The internal topics are created on first use; fewer partitions make that first use quick.
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.num.partitions': '5',
    // Tests join fresh consumer groups all the time; waiting 3 s for more members buys nothing.
    'group.initial.rebalance.delay.ms': '0',
    ...(saslSsl && {
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${saslSsl.users
        .map((user) => `user_${user.name}="${user.password}"`)
        .join(' ')};`,
      'listener.name.sasl_ssl.ssl.keystore.type': 'PKCS12',
      'listener.name.sasl_ssl.ssl.keystore.location': saslSsl.keystore,
      'listener.name.sasl_ssl.ssl.keystore.password': saslSsl.password,
      'listener.name.sasl_ssl.ssl.key.password': saslSsl.password,
    }),
  };
  const text = Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  fs.writeFileSync(
    dirs.serverProperties,
    `# Generated by infra/src/servers/kafka.server.ts\n${text}\n`,
  );
  // Warnings and the start/stop lines only: at INFO the broker writes several lines per topic.
  fs.writeFileSync(
    dirs.log4jConfig,
    [
      'appender.console.type = Console',
      'appender.console.name = STDOUT',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = warn',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      'logger.server.name = kafka.server.KafkaRaftServer',
      'logger.server.level = info',
      'logger.broker.name = kafka.server.BrokerServer',
      'logger.broker.level = info',
      '',
    ].join('\n'),
  );
}

function jvmArgs(dirs: Layout): string[] {
  return [
    // Local runs share two cores with PostgreSQL, Redis, NATS and the services.
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${dirs.log4jConfig}`,
    '-cp',
    path.join(dirs.libs, '*'),
  ];
}

/** The `kafka-storage format` step, once per data dir; the cluster id is kept next to it. */
async function formatStorage(dirs: Layout, env: NodeJS.ProcessEnv) {
  if (fs.existsSync(path.join(dirs.logDirs, 'meta.properties'))) return;
  if (!fs.existsSync(dirs.clusterIdFile)) {
    fs.writeFileSync(dirs.clusterIdFile, `${newClusterId()}\n`);
  }
  const clusterId = fs.readFileSync(dirs.clusterIdFile, 'utf8').trim();
  try {
    await run(
      javaCommand(env),
      [
        ...jvmArgs(dirs),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        dirs.serverProperties,
        '--ignore-formatted',
      ],
      { env },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`kafka: formatting ${dirs.logDirs} failed\n${stdout}${stderr}`.trimEnd());
  }
}

async function brokerAnswers(url: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'ticketaka-ready-check',
    brokers: [url],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A fresh broker creates `__consumer_offsets` on the first group lookup, and kafkajs consumers
 * that get there first log "coordinator is loading" crashes and restart. Asking about a group
 * here moves that one-time wait into ensure(), so tests and services start against a ready one.
 */
async function warmGroupCoordinator(url: string) {
  const admin = new Kafka({
    clientId: 'ticketaka-warm-up',
    brokers: [url],
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
  }).admin();
  await admin.connect();
  try {
    await admin.describeGroups(['ticketaka-warm-up']);
  } finally {
    await admin.disconnect();
  }
}

export const kafkaServer: ServerDefinition = {
  name: 'kafka',
  async ensure(callerEnv = process.env): Promise<RunningServer> {
    // Callers may pass only the overrides (ports, TICKETAKA_HOME); java and mvn still need PATH.
    const env = { ...process.env, ...callerEnv };
    const port = localPort('KAFKA_PORT', env);
    const controllerPort = localPort('KAFKA_CONTROLLER_PORT', env);
    const url = `127.0.0.1:${port}`;
    const saslSsl = saslSslOf(env);
    if (await isPortOpen(port)) {
      // Another run may have started it a moment ago: the port opens before the broker serves.
      await waitUntil('kafka', () => brokerAnswers(url), { timeoutMs: 60_000, intervalMs: 250 });
      return reused('kafka', url);
    }
    await requireJava17(env);
    const dirs = layout(env);
    await installJars(dirs, env);
    fs.mkdirSync(dirs.logDirs, { recursive: true });
    writeConfig(
      dirs,
      port,
      controllerPort,
      saslSsl && { ...saslSsl, ...(await ensureKeystore(env)) },
    );
    await formatStorage(dirs, env);
    const daemon = await startDaemon(
      {
        name: 'kafka',
        command: javaCommand(env),
        args: [...jvmArgs(dirs), 'kafka.Kafka', dirs.serverProperties],
        env,
        cwd: dirs.root,
        ready: async () => (await isPortOpen(port)) && brokerAnswers(url),
        readyTimeoutMs: 90_000,
      },
      env,
    );
    try {
      await warmGroupCoordinator(url);
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return { name: 'kafka', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};
