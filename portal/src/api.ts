// The Boxoffice API, same origin (docs/contracts/openapi.json is the contract; these types follow it).
import { idToken } from './auth'

export type Kind = 'CONCERT' | 'MATCH'

export interface Grade {
  grade: string
  price: number
  seats: number
  remaining: number
}

export interface Performance {
  performanceId: string
  title: string
  venue: string
  startsAt: string
  capacity: number
  bookedCount: number
  grades: Grade[]
  maxPerCustomer: number
  status: 'OPEN' | 'CANCELLED'
  organizerId: string
  createdAt: string
  cancelledAt?: string | null
  currency?: string
  kind?: Kind
  teams?: string[] | null
}

export type BookingStatus = 'HELD' | 'PAYMENT_PENDING' | 'CONFIRMED' | 'PAYMENT_FAILED' | 'EXPIRED' | 'CANCELLED'
export const UNSETTLED: BookingStatus[] = ['HELD', 'PAYMENT_PENDING']

export interface Booking {
  bookingId: string
  performanceId: string
  customerId: string
  grade: string
  quantity: number
  unitPrice: number
  amount: number
  currency?: string
  status: BookingStatus
  createdAt: string
  cancelledAt?: string | null
  cancelReason?: 'CUSTOMER' | 'PERFORMANCE_CANCELLED' | null
  holdExpiresAt?: string | null
  failureReason?: string | null
  paymentId?: string | null
  refund?: { status: 'PENDING' | 'REFUNDED' | 'FAILED' } | null
  title?: string | null
  startsAt?: string | null
  team?: string | null
  stake?: number | null
}

export interface Page<T> {
  items: T[]
  nextToken?: string | null
}

export interface TeamSummary {
  team: string
  tickets: number
  bookings: number
  stake: number
}

export interface GradeSummary {
  grade: string
  price: number
  seats: number
  sold: number
  held: number
  remaining: number
  revenue: number
}

export interface BookingSummary {
  performanceId: string
  confirmedBookings: number
  confirmedTickets: number
  cancelledBookings: number
  cancelledTickets: number
  pendingBookings: number
  pendingTickets: number
  failedBookings: number
  expiredBookings: number
  revenue: number
  grades: GradeSummary[]
  teams?: TeamSummary[]
}

export interface PerformanceBookings extends Page<Booking> {
  summary: BookingSummary
}

export interface Tally {
  performanceId: string
  teams: TeamSummary[]
  updatedAt: string | null
}

/** An answer other than 2xx, or no answer at all (status 0, code NETWORK). */
export class ApiError extends Error {
  status: number
  code: string
  details: Record<string, string | number>
  constructor(status: number, code: string, message: string, details?: Record<string, string | number> | null) {
    super(message)
    this.status = status
    this.code = code
    this.details = details ?? {}
  }
}

interface Options {
  body?: unknown
  /** send the signed-in user's ID token */
  auth?: boolean
  idempotencyKey?: string
  signal?: AbortSignal
}

export async function call<T>(method: string, path: string, options: Options = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
  if (options.auth) {
    const token = await idToken()
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'not signed in')
    headers.Authorization = `Bearer ${token}`
  }
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'NETWORK', (err as Error).message)
  }
  const text = await response.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (!response.ok) {
    const error = (body ?? {}) as { code?: string; message?: string; details?: Record<string, string | number> }
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? text, error.details)
  }
  return { status: response.status, body: body as T }
}

export const get = async <T>(path: string, auth = false, signal?: AbortSignal): Promise<T> =>
  (await call<T>('GET', path, { auth, signal })).body

/** Every item of a paged list, up to `max` items (the API has no search: the portal filters what it has read). */
export async function all<T>(path: string, auth: boolean, max: number, signal?: AbortSignal): Promise<{ items: T[]; more: boolean; first: Page<T> & Record<string, unknown> }> {
  const items: T[] = []
  let token: string | null | undefined
  let first: (Page<T> & Record<string, unknown>) | null = null
  const join = path.includes('?') ? '&' : '?'
  do {
    const page = await get<Page<T> & Record<string, unknown>>(
      `${path}${join}limit=100${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
      auth,
      signal,
    )
    first ??= page
    items.push(...page.items)
    token = page.nextToken
  } while (token && items.length < max)
  return { items, more: Boolean(token), first: first! }
}
