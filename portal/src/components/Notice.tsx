import type { ComponentChildren } from 'preact'

/** A message the user must hear now (role=alert) or a quieter status (role=status). */
export function Notice({ kind, children }: { kind: 'error' | 'success' | 'info' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}
