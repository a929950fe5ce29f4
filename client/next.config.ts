import type { NextConfig } from 'next';

const config: NextConfig = {
  // The contracts workspace package is TypeScript source; Next compiles it with the app.
  transpilePackages: ['@ticketaka/contracts'],
  // The image runs the traced server (`.next/standalone`) with no install (infra/src/images/dockerfile.ts).
  output: 'standalone',
  poweredByHeader: false,
  reactStrictMode: true,
  // Headers that do not depend on the request; the CSP (with its per-request nonce) is set in src/proxy.ts.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
        ],
      },
    ];
  },
};

export default config;
