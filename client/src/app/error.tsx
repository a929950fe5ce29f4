'use client';

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="notice bad" role="alert">
      <h1>Something went wrong</h1>
      <p>This page could not be shown. Nothing you did was lost.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
