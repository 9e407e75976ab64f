// Routes live in the URL's fragment (#/bookings), which never reaches a server: no portal route can collide with the
// API's paths on the same origin, and S3/CloudFront and the local pass-through only ever serve "/".
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  path: string[]
  query: URLSearchParams
}

function parse(hash: string): Route {
  const [path, query] = hash.replace(/^#\/?/, '').split('?', 2)
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query ?? '') }
}

export function href(...parts: (string | number)[]): string {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/')
}

export function navigate(to: string) {
  if (window.location.hash === to) window.dispatchEvent(new HashChangeEvent('hashchange'))
  else window.location.hash = to
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(window.location.hash))
  useEffect(() => {
    const changed = () => setRoute(parse(window.location.hash))
    window.addEventListener('hashchange', changed)
    return () => window.removeEventListener('hashchange', changed)
  }, [])
  return route
}
