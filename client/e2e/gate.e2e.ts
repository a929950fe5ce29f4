import { expect, request as playwrightRequest, test } from '@playwright/test';
import { baseURL } from './e2e-env';
import {
  apiOrder,
  apiPay,
  captureScreen,
  PASSWORD,
  promoteToAdmin,
  signUpInBrowser,
} from './support';

test('when a steward pastes the code shown on a fan’s My tickets page, then the gate admits it once and refuses the second scan', async ({
  browser,
}) => {
  // The fan buys a ticket and opens My tickets.
  const fanContext = await browser.newContext();
  const fanPage = await fanContext.newPage();
  await signUpInBrowser(fanPage, 'Holder');
  const api = await playwrightRequest.newContext({
    baseURL,
    storageState: await fanContext.storageState(),
  });
  const order = await apiOrder(api, { matchNumber: 8, category: 3, quantity: 1 });
  await apiPay(api, order.id);
  await fanPage.goto('/tickets');
  const ticket = fanPage.getByTestId('ticket').first();
  await expect(ticket.getByRole('img', { name: 'Ticket QR code' })).toBeVisible();
  await expect(ticket.getByRole('link', { name: 'Download PDF' })).toBeVisible();
  await ticket.getByText('Code as text').click();
  const code = (await ticket.getByTestId('ticket-code-text').textContent())?.trim();
  expect(code).toMatch(/^TK1\./);

  // A steward, promoted with the documented command, signs in again and scans it.
  const stewardContext = await browser.newContext();
  const gate = await stewardContext.newPage();
  const email = await signUpInBrowser(gate, 'Steward');
  promoteToAdmin(email, 'steward:promote');
  await gate.getByRole('button', { name: 'Sign out' }).click();
  await gate.goto('/signin?next=/gate');
  await gate.getByLabel('Email').fill(email);
  await gate.getByLabel('Password').fill(PASSWORD);
  await gate.getByRole('button', { name: 'Sign in' }).click();
  await expect(gate.getByText('Signed in as Steward')).toBeVisible();
  await expect(gate.getByRole('link', { name: 'Gate' })).toBeVisible();
  await gate.goto('/gate');
  await gate.getByLabel('Match number').fill('8');
  await gate.getByLabel('Gate').fill('4');
  await gate.getByLabel('Or paste a code').fill(code as string);
  await gate.getByRole('button', { name: 'Check in' }).click();
  await expect(gate.getByTestId('gate-verdict')).toHaveText('Admitted: category 3');
  await expect(gate.getByTestId('gate-count')).toHaveText('Admitted at this gate: 1');

  await gate.getByLabel('Or paste a code').fill(code as string);
  await gate.getByRole('button', { name: 'Check in' }).click();
  await expect(gate.getByTestId('gate-verdict')).toHaveText(
    /Already admitted at \d\d:\d\d UTC by gate 4/,
  );
  await expect(gate.getByTestId('gate-count')).toHaveText('Admitted at this gate: 1');

  // The fan's page no longer offers a code for an admitted ticket.
  await fanPage.reload();
  await expect(fanPage.getByText('Admitted at the gate.')).toBeVisible();
  await api.dispose();
  await fanContext.close();
  await stewardContext.close();
});

test('when the gate loses the network, then it admits a genuine code with the kept keys, refuses it again and a forged one, and records the admission once back online', async ({
  browser,
}) => {
  const fanContext = await browser.newContext();
  const fanPage = await fanContext.newPage();
  await signUpInBrowser(fanPage, 'Wanderer');
  const api = await playwrightRequest.newContext({
    baseURL,
    storageState: await fanContext.storageState(),
  });
  await apiPay(api, (await apiOrder(api, { matchNumber: 9, category: 3, quantity: 1 })).id);
  await fanPage.goto('/tickets');
  const ticket = fanPage.getByTestId('ticket').first();
  await ticket.getByText('Code as text').click();
  const code = (await ticket.getByTestId('ticket-code-text').textContent())?.trim() as string;
  expect(code).toMatch(/^TK1\./);

  const stewardContext = await browser.newContext();
  const gate = await stewardContext.newPage();
  const email = await signUpInBrowser(gate, 'Warden');
  promoteToAdmin(email, 'steward:promote');
  await gate.getByRole('button', { name: 'Sign out' }).click();
  await gate.goto('/signin?next=/gate');
  await gate.getByLabel('Email').fill(email);
  await gate.getByLabel('Password').fill(PASSWORD);
  await gate.getByRole('button', { name: 'Sign in' }).click();
  await expect(gate.getByRole('link', { name: 'Gate' })).toBeVisible();
  await gate.goto('/gate');
  await expect(gate.getByTestId('gate-waiting')).toHaveText('Every admission is recorded');
  await gate.getByLabel('Match number').fill('9');
  await gate.getByLabel('Gate').fill('North 2');

  await stewardContext.setOffline(true);
  const scan = async (text: string) => {
    await gate.getByLabel('Or paste a code').fill(text);
    await gate.getByRole('button', { name: 'Check in' }).click();
  };
  await scan(code);
  await expect(gate.getByTestId('gate-verdict')).toHaveText('Admitted offline: category 3');
  await expect(gate.getByTestId('gate-waiting')).toHaveText(
    '1 admission made offline, waiting to be sent',
  );
  await scan(code);
  await expect(gate.getByTestId('gate-verdict')).toHaveText(
    'Offline: Already admitted at this gate while offline',
  );
  // One character of the body changed: the signature no longer matches.
  const at = 12;
  const forged = code.slice(0, at) + (code[at] === 'A' ? 'B' : 'A') + code.slice(at + 1);
  await scan(forged);
  await expect(gate.getByTestId('gate-verdict')).toHaveText(/^Offline: The code’s signature/);
  await captureScreen(gate, 'gate-offline');

  await stewardContext.setOffline(false);
  await expect(gate.getByTestId('gate-waiting')).toHaveText('Every admission is recorded', {
    timeout: 20_000,
  });
  await fanPage.reload();
  await expect(fanPage.getByText('Admitted at the gate.')).toBeVisible();
  await api.dispose();
  await fanContext.close();
  await stewardContext.close();
});
