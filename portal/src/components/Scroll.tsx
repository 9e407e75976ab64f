import type { ComponentChildren } from 'preact'

/** A wide table on a narrow screen scrolls sideways inside this box; the box takes the keyboard focus (so the arrow
 * keys scroll it) and is named for screen readers. */
export function Scroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  )
}
