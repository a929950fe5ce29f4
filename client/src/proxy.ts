import { NextResponse, type NextRequest } from 'next/server';

/**
 * A strict Content-Security-Policy with a fresh nonce per request: Next.js reads the nonce
 * from the request's CSP header and puts it on its own scripts, so only those run; no
 * inline script or style without it, no plugins, no framing, forms post only to us.
 * Stripe's origins are allowed only for the Stripe card element (PAYMENT_PROVIDER=stripe).
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const dev = process.env.NODE_ENV === 'development';
  const stripe = process.env.PAYMENT_PROVIDER === 'stripe' ? ' https://js.stripe.com' : '';
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}${stripe}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${stripe ? ' https://api.stripe.com' : ''}`,
    `frame-src ${stripe ? 'https://js.stripe.com https://hooks.stripe.com' : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  // Pages only: not the health probes, the build's static files or prefetches.
  matcher: [
    {
      source: '/((?!healthz|readyz|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
