// A value that components re-render on: the session and the language are the only shared state of the portal.
import { useEffect, useReducer } from 'preact/hooks'

export interface Store<T> {
  get(): T
  set(value: T): void
  subscribe(listener: () => void): () => void
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial
  const listeners = new Set<() => void>()
  return {
    get: () => value,
    set(next: T) {
      value = next
      listeners.forEach((listener) => listener())
    },
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export function useStore<T>(store: Store<T>): T {
  const [, rerender] = useReducer((n: number, _: unknown) => n + 1, 0)
  useEffect(() => {
    const off = store.subscribe(() => rerender(undefined))
    return () => void off()
  }, [store])
  return store.get()
}
