import { useEffect, useRef, useState } from 'preact/hooks'

/** Run `load` now and then every `everyMs` while `active` (and the tab is visible); the latest answer wins. */
export function usePoll(load: (signal: AbortSignal) => Promise<void>, everyMs: number, active: boolean, deps: unknown[]) {
  const latest = useRef(load)
  latest.current = load
  useEffect(() => {
    let stopped = false
    let timer: number | undefined
    let controller: AbortController | null = null
    const tick = async () => {
      if (stopped) return
      if (document.visibilityState !== 'hidden') {
        controller = new AbortController()
        try {
          await latest.current(controller.signal)
        } catch {
          // the page shows its own error state; polling goes on
        }
      }
      if (!stopped && active) timer = window.setTimeout(tick, everyMs)
    }
    tick()
    return () => {
      stopped = true
      window.clearTimeout(timer)
      controller?.abort()
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, active, everyMs])
}

/** The current time, updated every `everyMs` (for countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs)
    return () => window.clearInterval(timer)
  }, [everyMs])
  return now
}
