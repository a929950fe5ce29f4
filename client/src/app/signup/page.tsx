import type { Metadata } from 'next';
import { countryOptions } from '@ticketaka/contracts';
import { AuthForm } from '../../components/auth-form';
import { safeNext } from '../../lib/next-path';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  return (
    <>
      <h1>Create an account</h1>
      <AuthForm mode="signup" next={next} countries={countryOptions()} />
    </>
  );
}
