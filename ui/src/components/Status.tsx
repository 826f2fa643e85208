/** The outcome of the last action: a polite live region for success, an alert for errors. */
export function Status(props: { message?: string | undefined; error?: string | undefined }) {
  return (
    <div class="status">
      {props.error && (
        <p role="alert" class="error">
          {props.error}
        </p>
      )}
      <p role="status" class="ok">
        {props.message ?? ''}
      </p>
    </div>
  );
}

export function LoadError(props: { error: string | undefined }) {
  return props.error ? (
    <p role="alert" class="error">
      Could not load: {props.error}
    </p>
  ) : null;
}
