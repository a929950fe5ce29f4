// `npm run deadletter -- list|show|replay …`: the operator's view of parked messages.
import {
  ADMIN_USER,
  baseConfigSchema,
  createLogger,
  EventBus,
  listDeadLetters,
  loadConfig,
  replayDeadLetter,
  showDeadLetter,
  type StoredDeadLetter,
} from '@ticketaka/common';

const USAGE = `usage:
  npm run deadletter -- list [--consumer <service>]      parked messages, oldest first
  npm run deadletter -- show <seq>                       one letter with its original message
  npm run deadletter -- replay <seq>... | --all [--consumer <service>]
                                                         put messages back on their subject
Reads NATS_URL and EVENT_NAMESPACE like the services do.`;

function parse(argv: string[]) {
  const [command, ...rest] = argv;
  const options = { consumer: undefined as string | undefined, all: false, seqs: [] as number[] };
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] as string;
    if (arg === '--consumer') options.consumer = rest[(i += 1)];
    else if (arg === '--all') options.all = true;
    else if (/^\d+$/.test(arg)) options.seqs.push(Number(arg));
    else throw new Error(`unknown argument "${arg}"`);
  }
  return { command, ...options };
}

const line = (l: StoredDeadLetter) =>
  [String(l.seq).padStart(6), l.failedAt, l.consumer.padEnd(14), l.subject, '—', l.reason].join(
    '  ',
  );

async function main() {
  const args = parse(process.argv.slice(2));
  if (!['list', 'show', 'replay'].includes(args.command ?? '')) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig('deadletter', baseConfigSchema, process.env);
  const logger = createLogger('deadletter', { level: 'warn' });
  const bus = await EventBus.connect({
    servers: config.NATS_URL,
    namespace: config.EVENT_NAMESPACE,
    service: 'deadletter-cli',
    // An operator's tool: it reads and replays every consumer's letters.
    user: ADMIN_USER,
    credentialsDir: config.CREDENTIALS_DIR,
    logger,
  });
  try {
    if (args.command === 'list') {
      const letters = await listDeadLetters(bus, { consumer: args.consumer });
      for (const letter of letters) console.log(line(letter));
      console.log(`${letters.length} dead letter(s)`);
    } else if (args.command === 'show') {
      for (const seq of args.seqs)
        console.log(JSON.stringify(await showDeadLetter(bus, seq), null, 2));
    } else {
      const seqs = args.all
        ? (await listDeadLetters(bus, { consumer: args.consumer })).map((l) => l.seq)
        : args.seqs;
      if (seqs.length === 0) throw new Error('nothing to replay: give sequence numbers or --all');
      for (const seq of seqs) {
        const { subject, duplicate } = await replayDeadLetter(bus, seq);
        console.log(
          `#${seq} → ${subject}${duplicate ? ' (already replayed; dropped as duplicate)' : ''}`,
        );
      }
    }
  } finally {
    await bus.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
