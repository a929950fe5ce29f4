import Stripe from 'stripe';
import { decideTestCard, TEST_CARDS } from '../src/providers/sandbox/test-cards';
import { signWebhookPayload } from '../src/providers/sandbox/webhook-signature';

const card = (number: string, expiry: { expMonth?: number; expYear?: number } = {}) => ({
  number,
  expMonth: expiry.expMonth ?? 12,
  expYear: expiry.expYear ?? 2034,
  cvc: '123',
});
const now = new Date('2026-06-15T12:00:00Z');

describe("the sandbox's signatures are Stripe's", () => {
  test('when the sandbox signs a payload, then the header is byte for byte the one Stripe’s library computes, and Stripe’s library accepts it', () => {
    const payload = JSON.stringify({
      id: 'evt_sandbox_1',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: {} },
    });
    const secret = 'whsec_sandbox_compatibility_check';
    const timestamp = Math.floor(Date.now() / 1000);
    const ours = signWebhookPayload(payload, secret, timestamp);
    expect(ours).toBe(Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }));
    expect(Stripe.webhooks.constructEvent(payload, ours, secret, 300).id).toBe('evt_sandbox_1');
  });

  test('when the payload or the secret differs, then Stripe’s library refuses the sandbox signature', () => {
    const payload = '{"id":"evt_1","object":"event","type":"x","data":{"object":{}}}';
    const header = signWebhookPayload(payload, 'whsec_one_secret_value');
    expect(() =>
      Stripe.webhooks.constructEvent(
        payload.replace('x', 'y'),
        header,
        'whsec_one_secret_value',
        300,
      ),
    ).toThrow();
    expect(() =>
      Stripe.webhooks.constructEvent(payload, header, 'whsec_another_secret', 300),
    ).toThrow();
  });
});

describe("the sandbox's test cards", () => {
  test.each([
    { number: '4242 4242 4242 4242', expected: { outcome: 'succeeded' } },
    { number: '4242-4242-4242-4242', expected: { outcome: 'succeeded' } },
    { number: TEST_CARDS.declined, expected: { outcome: 'declined', code: 'card_declined' } },
    {
      number: TEST_CARDS.insufficientFunds,
      expected: { outcome: 'declined', code: 'insufficient_funds' },
    },
    { number: '4242 4242 4242 4241', expected: { outcome: 'declined', code: 'incorrect_number' } },
    { number: '5555 5555 5555 4444', expected: { outcome: 'declined', code: 'card_declined' } },
  ])('when the card is $number, then $expected.outcome', ({ number, expected }) => {
    expect(decideTestCard(card(number), now)).toMatchObject(expected);
  });

  test('when a card expires this month, then it still works; last month, then expired_card', () => {
    expect(
      decideTestCard(card(TEST_CARDS.succeeds, { expMonth: 6, expYear: 2026 }), now).outcome,
    ).toBe('succeeded');
    expect(
      decideTestCard(card(TEST_CARDS.succeeds, { expMonth: 5, expYear: 2026 }), now),
    ).toMatchObject({ code: 'expired_card' });
  });
});
