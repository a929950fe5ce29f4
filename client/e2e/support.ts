import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { solvedAltcha } from '../../common/src/testing/browser';
import { baseURL, e2eEnv, e2eHome } from './e2e-env';

export const screenshotDir = path.join(__dirname, 'screenshots');
const PHONE = { width: 360, height: 780 };

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) =>
        `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
  ).toEqual([]);
}

/** The screen at desktop width and at a 360 px phone width (axe at both), for the docs. */
export async function captureScreen(page: Page, name: string) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await expectAccessible(page, `${name} (desktop)`);
  await page.screenshot({ path: path.join(screenshotDir, `${name}-desktop.png`), fullPage: true });
  const desktop = page.viewportSize();
  await page.setViewportSize(PHONE);
  await expectAccessible(page, `${name} (phone)`);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow, `${name} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  const header = await headerLayout(page);
  expect(header.rows, `${name}: the header's rows at 360 px`).toBeLessThanOrEqual(2);
  expect(header.outOfSight, `${name}: header controls beyond the screen at 360 px`).toEqual([]);
  await page.screenshot({ path: path.join(screenshotDir, `${name}-phone.png`), fullPage: true });
  if (desktop) await page.setViewportSize(desktop);
}

/**
 * The site header's links and buttons at phone width: how many rows they fill (a header of
 * three rows or more pushes the page below the fold; controls whose vertical middles are within
 * 16 px share a row, since align-items centres controls of different heights), and which of
 * them lie beyond the screen's right edge, where nobody finds them.
 */
async function headerLayout(page: Page): Promise<{ rows: number; outOfSight: string[] }> {
  const controls = await page
    .locator('header.site-header')
    .locator('a, button')
    .evaluateAll((elements) =>
      elements
        // An open notifications panel hangs below the header; it is not one of its rows.
        .filter((e) => !e.closest('.bell-panel'))
        .map((e) => ({ label: e.textContent?.trim() ?? '', rect: e.getBoundingClientRect() }))
        .filter(({ rect }) => rect.width > 1 && rect.height > 1)
        .map(({ label, rect }) => ({
          label,
          middle: rect.top + rect.height / 2,
          beyond: rect.right > window.innerWidth,
        })),
    );
  const rows: number[] = [];
  for (const { middle } of [...controls].sort((a, b) => a.middle - b.middle))
    if (!rows.some((row) => Math.abs(row - middle) <= 16)) rows.push(middle);
  return {
    rows: rows.length,
    outOfSight: controls.filter((c) => c.beyond).map((c) => c.label),
  };
}

let counter = 0;
export const uniqueEmail = (who: string) =>
  `${who}-${Date.now().toString(36)}-${(counter++).toString(36)}@e2e.example.com`;
export const PASSWORD = 'a long e2e password';

/**
 * The security layer asks for a proof-of-work on sign-up (always) and on orders from clients
 * that do not look like a browser; API helpers solve it the way the site's widget does.
 */
const proofOfWork = async () => ({
  'X-Altcha': await solvedAltcha(`${baseURL}/api/security/challenge`),
});

/** A fan made through the API (for the seats other fans take), signed in on `request`. */
export async function apiFan(request: APIRequestContext, who: string) {
  const email = uniqueEmail(who);
  const response = await request.post('/api/users/signup', {
    data: { email, password: PASSWORD, displayName: who, country: 'FR' },
    headers: await proofOfWork(),
  });
  expect(response.status()).toBe(201);
  return email;
}

export async function apiOrder(
  request: APIRequestContext,
  order: { matchNumber: number; category: number; quantity: number },
) {
  const response = await request.post('/api/orders', {
    data: order,
    headers: { 'Idempotency-Key': `e2e-${Date.now()}-${counter++}`, ...(await proofOfWork()) },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).order as { id: string; status: string };
}

/** Pays an order with the sandbox's good test card and waits until it is complete. */
export async function apiPay(request: APIRequestContext, orderId: string) {
  const pay = await request.post('/api/payments', {
    data: {
      orderId,
      card: { number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' },
    },
  });
  expect([200, 202]).toContain(pay.status());
  await expect
    .poll(async () => (await (await request.get(`/api/orders/${orderId}`)).json()).order.status, {
      timeout: 20_000,
    })
    .toBe('complete');
}

/** `npm run admin:promote -w auth`, the documented way to make an admin, on the e2e platform. */
export function promoteToAdmin(
  email: string,
  script: 'admin:promote' | 'steward:promote' = 'admin:promote',
) {
  const result = spawnSync('npm', ['run', '--silent', script, '-w', 'auth', '--', email], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...e2eEnv(), JWT_KEYS_DIR: path.join(e2eHome, 'keys') },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
}

export async function signUpInBrowser(page: Page, who: string, next = '/') {
  const email = uniqueEmail(who);
  await page.goto(`/signup?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Your name').fill(who);
  await page.getByLabel('Country').selectOption('AR');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText(`Signed in as ${who}`)).toBeVisible();
  return email;
}

export async function payWithCard(page: Page, number: string) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill('12/35');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: /^Pay / }).click();
}
