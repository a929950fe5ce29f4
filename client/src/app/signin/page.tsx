import type { Metadata } from 'next';
import { AuthForm } from '../../components/auth-form';
import { safeNext } from '../../lib/next-path';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  return (
    <>
      <h1>Sign in</h1>
      <AuthForm mode="signin" next={next} />
    </>
  );
}
