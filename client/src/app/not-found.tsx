import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="card">
      <h1>Page not found</h1>
      <p>There is nothing here, or it is not yours to see.</p>
      <p>
        <Link href="/">Back to the matches</Link>
      </p>
    </div>
  );
}
