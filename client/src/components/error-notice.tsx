import type { ErrorItem } from '@ticketaka/contracts';

/** A server-side failure in words (the service's own message), never raw JSON. */
export function ErrorNotice({ title, errors }: { title: string; errors: ErrorItem[] }) {
  return (
    <div className="notice bad" role="alert">
      <h1>{title}</h1>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>{e.message}</li>
        ))}
      </ul>
      <p>Please try again in a moment.</p>
    </div>
  );
}
