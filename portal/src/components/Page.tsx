import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

/** A page: its heading takes the focus when the page opens (so a screen reader hears where it is after a route
 * change) and names the tab. */
export function Page({ title, children, wide }: { title: string; children?: ComponentChildren; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · Boxoffice`
  }, [title])
  useEffect(() => {
    heading.current?.focus({ preventScroll: false })
  }, [])
  return (
    <section class={wide ? 'page wide' : 'page'} aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </section>
  )
}
