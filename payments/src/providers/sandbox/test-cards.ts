/**
 * The sandbox's bank: Stripe's published test cards and the answers Stripe gives for them.
 * Any other number is refused as Stripe's test mode refuses real cards.
 */
export type CardDecision =
  { outcome: 'succeeded'; brand: string } | { outcome: 'declined'; code: string; message: string };

export const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
} as const;

export interface TestCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export function decideTestCard(card: TestCard, now: Date): CardDecision {
  const digits = card.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !passesLuhn(digits)) {
    return {
      outcome: 'declined',
      code: 'incorrect_number',
      message: 'Your card number is incorrect.',
    };
  }
  // A card is valid through the last day of its expiry month.
  const endOfExpiryMonth = Date.UTC(card.expYear, card.expMonth, 1);
  if (endOfExpiryMonth <= now.getTime()) {
    return { outcome: 'declined', code: 'expired_card', message: 'Your card has expired.' };
  }
  switch (digits) {
    case TEST_CARDS.succeeds:
      return { outcome: 'succeeded', brand: 'visa' };
    case TEST_CARDS.declined:
      return { outcome: 'declined', code: 'card_declined', message: 'Your card was declined.' };
    case TEST_CARDS.insufficientFunds:
      return {
        outcome: 'declined',
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      };
    default:
      return {
        outcome: 'declined',
        code: 'card_declined',
        message:
          'Your card was declined. This is TEST MODE (sandbox): use a test card such as 4242 4242 4242 4242.',
      };
  }
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
