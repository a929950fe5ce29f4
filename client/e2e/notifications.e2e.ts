import {
  expect,
  request as playwrightRequest,
  test,
  type APIRequestContext,
} from '@playwright/test';
import { baseURL, e2ePorts } from './e2e-env';
import { apiFan, apiOrder, apiPay, captureScreen, signUpInBrowser } from './support';

/** What the e2e platform's Mailpit received for one address (its HTTP API). */
async function mailsTo(address: string): Promise<{ Subject: string }[]> {
  const query = encodeURIComponent(`to:"${address}"`);
  const response = await fetch(
    `http://127.0.0.1:${e2ePorts.MAILPIT_HTTP_PORT}/api/v1/search?query=${query}&limit=50`,
  );
  expect(response.ok).toBe(true);
  return ((await response.json()) as { messages: { Subject: string }[] }).messages;
}

const newApi = () => playwrightRequest.newContext({ baseURL });

test('when a fan follows a match whose seats are all taken and another fan’s order is cancelled, then the bell tells them live and an e-mail arrives', async ({
  browser,
}) => {
  // Category 1 of match 12 has 20 seats: 16 are sold and 4 held by an unpaid order.
  for (const quantity of [4, 4, 4, 4]) {
    const buyer = await newApi();
    await apiFan(buyer, 'Crowd');
    await apiPay(buyer, (await apiOrder(buyer, { matchNumber: 12, category: 1, quantity })).id);
    await buyer.dispose();
  }
  const holder = await newApi();
  await apiFan(holder, 'Holder');
  const held = await apiOrder(holder, { matchNumber: 12, category: 1, quantity: 4 });

  const context = await browser.newContext();
  const page = await context.newPage();
  const email = await signUpInBrowser(page, 'Follower', '/matches/12');
  await expect(page.getByTestId('badge-12-1')).toHaveAttribute(
    'data-state',
    'temporarily_unavailable',
  );
  const followMatch = page.getByRole('button', { name: 'Follow this match' });
  await expect(followMatch).toBeEnabled();
  await expect(followMatch).toHaveAttribute('aria-pressed', 'false');
  await followMatch.click();
  await expect(followMatch).toHaveAttribute('aria-pressed', 'true');
  const followTeam = page.getByRole('button', { name: /^(✓ )?Follow Morocco$/ });
  await followTeam.click();
  await expect(followTeam).toHaveAttribute('aria-pressed', 'true');
  await followTeam.click();
  await expect(followTeam).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByRole('button', { name: 'Notifications, none unread' })).toBeVisible();
  await captureScreen(page, 'match-follow');

  // The holder gives the seats back; the follower's page is not reloaded.
  expect((await holder.delete(`/api/orders/${held.id}`)).status()).toBeLessThan(300);
  await holder.dispose();
  const bell = page.getByRole('button', { name: 'Notifications, 1 unread' });
  await expect(bell).toBeVisible({ timeout: 30_000 });
  await expect(
    page.getByRole('status').filter({ hasText: 'New notification: Seats are back' }),
  ).toHaveCount(1);

  // Keyboard: open, read, mark read, close with Escape back on the bell.
  await bell.focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('region', { name: 'Notifications' });
  await expect(panel).toBeVisible();
  await expect(
    panel.getByRole('link', { name: /Seats are back for .* \(match 12\)/ }),
  ).toBeVisible();
  await captureScreen(page, 'notification-bell');
  await panel.getByRole('button', { name: /^Mark as read/ }).click();
  await expect(page.getByRole('button', { name: 'Notifications, none unread' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(page.getByRole('button', { name: 'Notifications, none unread' })).toBeFocused();

  // One mail, once.
  await expect
    .poll(async () => (await mailsTo(email)).map((m) => m.Subject), { timeout: 30_000 })
    .toContainEqual(expect.stringMatching(/^Seats are back for .* \(match 12\)$/));
  expect((await mailsTo(email)).filter((m) => m.Subject.startsWith('Seats are back'))).toHaveLength(
    1,
  );
  await context.close();
});

test('when a fan switches off one kind of e-mail on the account page, then that kind still rings the bell but sends no mail, and other kinds still do', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = await signUpInBrowser(page, 'Quiet', '/account');
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  const declined = page.getByLabel('A payment was declined');
  await expect(declined).toBeChecked();
  await declined.uncheck();
  await page.getByRole('button', { name: 'Save e-mail settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'saved' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('A payment was declined')).not.toBeChecked();
  await expect(page.getByLabel('Order confirmed, with your tickets attached')).toBeChecked();
  await captureScreen(page, 'account');

  // A declined card, then a good one, on one order.
  const api: APIRequestContext = await playwrightRequest.newContext({
    baseURL,
    storageState: await context.storageState(),
  });
  const order = await apiOrder(api, { matchNumber: 13, category: 2, quantity: 1 });
  const decline = await api.post('/api/payments', {
    data: {
      orderId: order.id,
      card: { number: '4000000000000002', expMonth: 12, expYear: 2035, cvc: '123' },
    },
  });
  expect(decline.status()).toBeLessThan(500);
  await expect
    .poll(
      async () =>
        ((await (await api.get('/api/notifications')).json()).notifications as { kind: string }[])
          .map((n) => n.kind)
          .sort(),
      { timeout: 30_000 },
    )
    .toContain('payment_declined');
  await apiPay(api, order.id);

  // The confirmation (written after the decline) arrives; the decline never does.
  await expect
    .poll(async () => (await mailsTo(email)).map((m) => m.Subject), { timeout: 30_000 })
    .toContainEqual(expect.stringMatching(/^Your tickets for /));
  expect((await mailsTo(email)).map((m) => m.Subject)).not.toContain('Your payment was declined');
  // The account page lists it among the fan's notifications.
  await page.reload();
  await expect(
    page
      .getByRole('region', { name: 'Your notifications' })
      .getByRole('link', { name: 'Your payment was declined' }),
  ).toBeVisible();
  await api.dispose();
  await context.close();
});
