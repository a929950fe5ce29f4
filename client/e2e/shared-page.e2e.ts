import { expect, request as playwrightRequest, test } from '@playwright/test';
import { baseURL } from './e2e-env';
import { apiFan, apiOrder } from './support';

/**
 * The catalogue pages anonymous visitors share through the gateway's micro-cache
 * (client/server/anonymous-page.js): a signed-in fan's page is never shared, the shared page
 * never holds a fan's data, and its CSP stays strict (hashes, no nonce, no unsafe-inline).
 */
test('when a fan is signed in, then their match page is theirs alone, and the page anonymous visitors share right after holds none of it', async ({
  request,
}) => {
  const fan = await playwrightRequest.newContext({ baseURL });
  const who = `Sharer${Date.now().toString(36)}`;
  await apiFan(fan, who);
  for (const path of ['/matches/1', '/']) {
    const mine = await fan.get(path);
    expect(mine.status()).toBe(200);
    expect(await mine.text()).toContain(who);
    // Rendered for this fan, with their own nonce; the gateway neither served nor kept it.
    expect(mine.headers()['x-cache-status']).toBe('BYPASS');
    expect(mine.headers()['content-security-policy']).toContain("'nonce-");
    expect(mine.headers()['x-accel-expires']).toBeUndefined();

    const shared = [];
    for (let i = 0; i < 5; i++) shared.push(await request.get(path));
    for (const anonymous of shared) {
      expect(anonymous.status()).toBe(200);
      const html = await anonymous.text();
      expect(html).not.toContain(who);
      expect(html).not.toContain('Signed in as');
      expect(html).toContain('Sign in');
    }
    expect(shared.some((r) => r.headers()['x-cache-status'] === 'HIT')).toBe(true);
  }
  await fan.dispose();
});

test('when an anonymous visitor opens the shared page, then its CSP is hash-based and strict and the page still comes alive in the browser', async ({
  browser,
  request,
}) => {
  const response = await request.get('/matches/2');
  // nginx adds frame-ancestors as a second policy; the page's own is the one with script-src.
  const policy = response
    .headersArray()
    .filter((h) => h.name.toLowerCase() === 'content-security-policy')
    .map((h) => h.value)
    .find((v) => v.includes('script-src')) as string;
  const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src')) as string;
  expect(scriptSrc).toMatch(/^\s*script-src 'self'( 'sha256-[A-Za-z0-9+/]+=*')+$/);
  expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|nonce-/);
  expect(policy).toContain("object-src 'none'");
  expect(await response.text()).not.toMatch(/\snonce=/);

  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto('/matches/2');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(' v ');
  // Next.js's inline boot script ran: it is allowed by its hash.
  expect(
    await page.evaluate(() => Array.isArray((window as { __next_f?: unknown }).__next_f)),
  ).toBe(true);
  // And the client components run: a sale elsewhere shows up in the live count without a reload.
  const category3 = page.locator('li', { hasText: 'Category 3' }).getByText(/ready to buy now/);
  const before = Number((await category3.innerText()).match(/\d+/)?.[0]);
  const buyer = await playwrightRequest.newContext({ baseURL });
  await apiFan(buyer, 'LiveBuyer');
  await apiOrder(buyer, { matchNumber: 2, category: 3, quantity: 1 });
  await expect(category3).toHaveText(new RegExp(`^${before - 1} ready to buy now`));
  await buyer.dispose();
  await page.waitForLoadState('networkidle');
  expect(violations).toEqual([]);
  await context.close();
});
