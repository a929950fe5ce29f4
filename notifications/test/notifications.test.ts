import { randomUUID } from 'node:crypto';
import {
  authEvents,
  type EventBus,
  HOLD_SUBJECT,
  holdResponseSchema,
  ordersEvents,
  paymentsEvents,
  ticketsEvents,
  type CurrentUser,
} from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  eventually,
  newFan,
  openEventStream,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import {
  loadMasterList,
  masterListSchema,
} from '../../tickets/src/domain/load-master-list.use-case';
import { startTicketsService } from '../../tickets/src/tickets-service';
import { startNotificationsService } from '../src/notifications-service';
import { attachment, mailsTo, readMail } from './mailpit-inbox';

let env: TestEnvironment;
let tickets: Awaited<ReturnType<typeof startTicketsService>>;
let notifications: Awaited<ReturnType<typeof startNotificationsService>>;
/** Stands in for auth, orders and payments: publishes their events as they would. */
let others: EventBus;

const kickOffIn23h = new Date(Date.now() + 23 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');

beforeAll(async () => {
  env = await createTestEnvironment('notifications');
  tickets = await startTicketsService({ ...env.env, LOAD_MASTER_LIST_ON_START: 'false' });
  const entry = (
    matchNumber: number,
    homeTeam: string,
    awayTeam: string,
    dateUtc = '2030-06-20T19:00:00Z',
  ) => ({
    matchNumber,
    roundNumber: 1,
    dateUtc,
    location: 'Lusail Stadium',
    homeTeam,
    awayTeam,
    group: 'C',
    availability: {
      category1: { available: 10, pending: 0, price: 75 },
      category2: { available: 10, pending: 0, price: 125 },
      category3: { available: 10, pending: 0, price: 195 },
    },
  });
  await loadMasterList(
    tickets.runtime,
    masterListSchema.parse([
      entry(801, 'Argentina', 'Poland'),
      entry(802, 'Brazil', 'Serbia'),
      entry(803, 'Japan', 'Spain', kickOffIn23h),
    ]),
    'USD',
  );
  notifications = await startNotificationsService({
    ...env.env,
    SCHEDULER_INTERVAL_MS: '200',
    PUBLIC_URL: 'https://tickets.example',
  });
  // Plays auth, orders, payments and tickets at once: the harness's admin user may.
  others = await env.harness();
});
afterAll(async () => {
  await notifications.close();
  await tickets.close();
  await env.cleanup();
});

/** A fan auth has announced; a fresh address per test on the shared Mailpit. */
async function signedUpFan(): Promise<Fan & { email: string }> {
  const fan = newFan(env);
  const email = `fan-${randomUUID()}@example.com`;
  const user: CurrentUser = { ...fan.user, email, displayName: 'Ana Fan' };
  await others.publish(
    authEvents.userCreated.create({
      id: user.id,
      email,
      displayName: user.displayName,
      country: 'AR',
      role: 'fan',
      version: 1,
    }),
  );
  return { user, token: env.tokenFor(user), email };
}

const api = (method: string, path: string, fan?: Fan, body?: unknown) =>
  call(notifications.url, method, path, { token: fan?.token, body });

const order = (
  fan: Fan,
  overrides: Partial<{
    id: string;
    matchNumber: number;
    expiresAt: string;
    quantity: number;
    category: number;
  }> = {},
) => ({
  id: randomUUID(),
  userId: fan.user.id,
  kind: 'primary' as const,
  matchNumber: 801,
  category: 2,
  quantity: 2,
  ticketId: null,
  amountCents: 25_000,
  currency: 'USD',
  status: 'awaiting_payment' as const,
  expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  version: 2,
  ...overrides,
});

/** Publishes without a JetStream message id, so only the consumer's own de-duplication can catch a repeat. */
async function publishRaw(event: { type: string }) {
  await others.ensureStream(event.type.split('.')[0] as string);
  await others.js.publish(others.subject(event.type), JSON.stringify(event));
}

const bell = async (fan: Fan) => (await api('GET', '/api/notifications', fan)).body;
const settled = () => new Promise((r) => setTimeout(r, 1500));

describe('mail', () => {
  test('when a purchase completes (and its event arrives twice), then exactly one confirmation mail arrives with text, HTML and the PDF tickets attached', async () => {
    const fan = await signedUpFan();
    const placed = order(fan);
    const held = await others.request(
      HOLD_SUBJECT,
      {
        kind: 'primary',
        orderId: placed.id,
        userId: fan.user.id,
        matchNumber: 801,
        category: 2,
        quantity: 2,
      },
      holdResponseSchema,
    );
    expect(held.held).toBe(true);
    const completed = ordersEvents.orderCompleted.create({
      ...placed,
      status: 'complete',
      version: 3,
      paymentId: randomUUID(),
    });
    await others.publish(completed);
    await publishRaw(completed);

    const [mail] = await eventually(async () => {
      const found = await mailsTo(fan.email);
      expect(found).toHaveLength(1);
      return found;
    }, 20_000);
    await settled();
    expect(await mailsTo(fan.email)).toHaveLength(1);
    const full = await readMail(mail!.ID);
    expect(full.Subject).toBe('Your tickets for Argentina v Poland (match 801)');
    expect(full.Text).toContain('Hello Ana Fan');
    expect(full.Text).toContain('250.00 USD for 2 tickets in category 2');
    expect(full.Text).toContain('https://tickets.example/tickets');
    expect(full.HTML).toContain('<h2>Your tickets for Argentina v Poland (match 801)</h2>');
    expect(full.MessageID).toMatch(/@ticketaka$/);
    expect(full.Attachments.map((a) => [a.FileName, a.ContentType])).toEqual([
      ['ticket-801-1.pdf', 'application/pdf'],
      ['ticket-801-2.pdf', 'application/pdf'],
    ]);
    const pdf = await attachment(full.ID, full.Attachments[0]!.PartID);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await bell(fan)).notifications.map((n: { kind: string }) => n.kind)).toEqual([
      'order_confirmed',
    ]);
  });

  test('when a hold nears its end, then the fan gets one warning; a paid order’s warning is cancelled', async () => {
    const fan = await signedUpFan();
    const ending = order(fan, { expiresAt: new Date(Date.now() + 4 * 60_000).toISOString() });
    const created = ordersEvents.orderCreated.create(ending);
    await others.publish(created);
    await publishRaw(created);
    const paid = order(fan, { expiresAt: new Date(Date.now() + 4 * 60_000 + 500).toISOString() });
    await others.publish(
      ordersEvents.orderCompleted.create({
        ...paid,
        status: 'complete',
        version: 3,
        paymentId: randomUUID(),
      }),
    );
    // The completion overtook its creation: the reminder must still not be sent.
    await others.publish(ordersEvents.orderCreated.create(paid));

    await eventually(async () => expect(await mailsTo(fan.email)).toHaveLength(1), 20_000);
    await settled();
    const mails = await mailsTo(fan.email);
    expect(mails.map((m) => m.Subject)).toEqual(['Your hold ends in 4 minutes']);
    const text = (await readMail(mails[0]!.ID)).Text;
    expect(text).toContain('Argentina v Poland (match 801) are released at');
  });

  test('when a hold expires (and its event arrives twice), then one "hold expired" mail with text and HTML', async () => {
    const fan = await signedUpFan();
    const lapsed = order(fan, { expiresAt: new Date(Date.now() - 1_000).toISOString() });
    const expired = ordersEvents.orderExpired.create({ ...lapsed, status: 'expired', version: 3 });
    await others.publish(expired);
    await publishRaw(expired);

    await eventually(async () => expect(await mailsTo(fan.email)).toHaveLength(1), 20_000);
    await settled();
    const mails = await mailsTo(fan.email);
    expect(mails.map((m) => m.Subject)).toEqual(['Your hold expired']);
    const mail = await readMail(mails[0]!.ID);
    expect(mail.Text).toContain('Argentina v Poland (match 801) were released');
    expect(mail.HTML).toContain('Nothing was charged.');
    expect((await bell(fan)).notifications.map((n: { kind: string }) => n.kind)).toEqual([
      'hold_expired',
    ]);
  });

  test('when a fan opts out of a kind, then it still rings the bell but sends no mail, and other kinds still mail', async () => {
    const fan = await signedUpFan();
    const updated = await api('PUT', '/api/notifications/preferences', fan, {
      email: { payment_declined: false },
    });
    expect(updated.status).toBe(200);
    expect(
      updated.body.preferences.find((p: { kind: string }) => p.kind === 'payment_declined'),
    ).toMatchObject({ email: false });
    const payment = {
      id: randomUUID(),
      orderId: randomUUID(),
      userId: fan.user.id,
      amountCents: 7_500,
      currency: 'USD',
      provider: 'sandbox' as const,
      providerPaymentId: 'pi_1',
      version: 2,
    };
    await others.publish(
      paymentsEvents.paymentFailed.create({ ...payment, reason: 'card_declined' }),
    );
    await others.publish(
      paymentsEvents.paymentRefunded.create({
        ...payment,
        version: 3,
        reason: 'order expired before payment',
      }),
    );

    await eventually(async () => expect((await bell(fan)).notifications).toHaveLength(2), 20_000);
    await eventually(async () => expect(await mailsTo(fan.email)).toHaveLength(1), 20_000);
    await settled();
    expect((await mailsTo(fan.email)).map((m) => m.Subject)).toEqual(['A refund is on its way']);
  });

  test('when a resale ticket sells, then the seller hears it sold and the buyer that it is theirs', async () => {
    const seller = await signedUpFan();
    const buyer = await signedUpFan();
    const ticketId = randomUUID();
    await others.publish(
      ticketsEvents.listingSold.create({
        id: randomUUID(),
        ticketId,
        sellerId: seller.user.id,
        matchNumber: 802,
        category: 1,
        priceCents: 7_500,
        currency: 'USD',
        status: 'sold',
        version: 5,
        buyerId: buyer.user.id,
        orderId: randomUUID(),
      }),
    );
    await others.publish(
      ticketsEvents.ticketStatusChanged.create({
        id: ticketId,
        ownerId: buyer.user.id,
        matchNumber: 802,
        category: 1,
        move: 'transfer',
        from: 'locked',
        to: 'valid',
        version: 4,
        gate: null,
        changedAt: new Date().toISOString(),
      }),
    );
    await eventually(async () => {
      expect((await mailsTo(seller.email)).map((m) => m.Subject)).toEqual([
        'Your resale ticket sold',
      ]);
      expect((await mailsTo(buyer.email)).map((m) => m.Subject)).toEqual(['A ticket is now yours']);
    }, 20_000);
  });
});

describe('follows', () => {
  const inventory = (
    matchNumber: number,
    state: 'available' | 'sold_out' | 'temporarily_unavailable',
    version: number,
  ) =>
    ticketsEvents.inventoryChanged.create({
      matchNumber,
      category: 3,
      capacity: 10,
      available: state === 'sold_out' ? 0 : 4,
      pending: state === 'available' ? 4 : 0,
      state,
      priceCents: 19_500,
      currency: 'USD',
      version,
    });

  test('when a sold-out match has seats again, then each follower of the match or a team gets one alert at once, and others get none', async () => {
    const byMatch = await signedUpFan();
    const byTeam = await signedUpFan();
    const both = await signedUpFan();
    const bystander = await signedUpFan();
    expect(
      (await api('POST', '/api/notifications/follows', byMatch, { matchNumber: 802 })).status,
    ).toBe(201);
    await api('POST', '/api/notifications/follows', byTeam, { team: 'Serbia' });
    await api('POST', '/api/notifications/follows', both, { team: 'Brazil' });
    await api('POST', '/api/notifications/follows', both, { matchNumber: 802 });
    await api('POST', '/api/notifications/follows', bystander, { team: 'Argentina' });
    expect((await api('GET', '/api/notifications/follows', both)).body.follows).toEqual([
      { kind: 'team', team: 'Brazil' },
      { kind: 'match', matchNumber: 802 },
    ]);

    const stream = await openEventStream(`${notifications.url}/api/notifications/stream`, {
      authorization: `Bearer ${byTeam.token}`,
    });
    await stream.next((m) => m.event === 'snapshot');

    await others.publish(inventory(802, 'available', 1));
    await others.publish(inventory(802, 'sold_out', 2));
    const back = inventory(802, 'available', 3);
    await others.publish(back);
    await publishRaw(back);
    // An old event arriving late changes nothing.
    await publishRaw(inventory(802, 'sold_out', 2));

    const live = await stream.next((m) => m.event === 'notification', 20_000);
    expect(live.data).toMatchObject({
      kind: 'seats_back',
      title: 'Seats are back for Brazil v Serbia (match 802)',
      read: false,
    });
    await stream.close();
    for (const fan of [byMatch, byTeam, both]) {
      await eventually(
        async () =>
          expect((await mailsTo(fan.email)).map((m) => m.Subject)).toEqual([
            'Seats are back for Brazil v Serbia (match 802)',
          ]),
        20_000,
      );
    }
    await settled();
    for (const fan of [byMatch, byTeam, both]) expect(await mailsTo(fan.email)).toHaveLength(1);
    expect(await mailsTo(bystander.email)).toHaveLength(0);
    expect((await bell(bystander)).notifications).toHaveLength(0);

    const read = await api('POST', '/api/notifications/read', byTeam, { all: true });
    expect(read.body).toMatchObject({ marked: 1, unread: 0 });
  });

  test('when a followed match kicks off within 24 hours, then its followers are told once', async () => {
    const fan = await signedUpFan();
    await api('POST', '/api/notifications/follows', fan, { team: 'Japan' });
    // The scheduler runs its kick-off pass once a minute; the test runs it directly.
    const { remindKickOffs } = await import('../src/domain/follow-alerts.use-case');
    // Whether this pass or the scheduler's own tells the fan, the fact is told once.
    await remindKickOffs(notifications.runtime);
    expect(await remindKickOffs(notifications.runtime)).toBe(0);
    notifications.scheduler.wake();
    await eventually(
      async () =>
        expect((await mailsTo(fan.email)).map((m) => m.Subject)).toEqual([
          'Japan v Spain (match 803) kicks off soon',
        ]),
      20_000,
    );
    await settled();
    expect(await mailsTo(fan.email)).toHaveLength(1);
  });
});

describe('the API refuses bad requests', () => {
  test('when preferences, follows or read marks are malformed or nobody is signed in, then 400 or 401 and nothing changes', async () => {
    const fan = await signedUpFan();
    const bad: [string, string, unknown][] = [
      ['PUT', '/api/notifications/preferences', { email: { nonsense: false } }],
      ['PUT', '/api/notifications/preferences', { email: { hold_ending: 'no' } }],
      ['PUT', '/api/notifications/preferences', {}],
      ['POST', '/api/notifications/follows', { matchNumber: 0 }],
      ['POST', '/api/notifications/follows', { team: 'x' }],
      ['POST', '/api/notifications/follows', { matchNumber: 1, team: 'Brazil' }],
      ['POST', '/api/notifications/read', { ids: ['not-a-uuid'] }],
    ];
    for (const [method, path, body] of bad) {
      const answer = await api(method, path, fan, body);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.body.errors[0]).toMatchObject({ code: 'validation_failed' });
    }
    for (const path of [
      '/api/notifications',
      '/api/notifications/preferences',
      '/api/notifications/follows',
      '/api/notifications/stream',
    ]) {
      expect((await api('GET', path)).status).toBe(401);
    }
    expect((await api('GET', '/api/notifications/follows', fan)).body.follows).toEqual([]);
    expect(
      (await api('GET', '/api/notifications/preferences', fan)).body.preferences.every(
        (p: { email: boolean }) => p.email,
      ),
    ).toBe(true);
  });
});
