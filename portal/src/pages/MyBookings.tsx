import { useState } from 'preact/hooks'
import { get, type Booking, type Page as ApiPage } from '../api'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { usePoll } from '../hooks'
import { useI18n } from '../i18n'
import { href } from '../router'
import { BookingFacts, CancelBooking, moving, newer } from './bookingParts'

const PAGE = 20

function merge(known: Booking[], fresh: Booking[]): Booking[] {
  const byId = new Map(known.map((b) => [b.bookingId, b]))
  for (const b of fresh) byId.set(b.bookingId, newer(byId.get(b.bookingId), b))
  return [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
}

export function MyBookings() {
  const { t } = useI18n()
  const [items, setItems] = useState<Booking[] | null>(null)
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loadingMore, setLoadingMore] = useState(false)

  // The newest page is read again every few seconds while a payment or a refund is still on its way.
  const active = items === null || items.some(moving)
  usePoll(
    async (signal) => {
      try {
        const page = await get<ApiPage<Booking>>(`/bookings?limit=${PAGE}`, true, signal)
        setItems((known) => merge(known ?? [], page.items))
        setNext((current) => current ?? page.nextToken ?? null)
        setError(null)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError((err as Error).message)
      }
    },
    3_000,
    active,
    [active],
  )

  async function more() {
    if (!next) return
    setLoadingMore(true)
    try {
      const page = await get<ApiPage<Booking>>(`/bookings?limit=${PAGE}&nextToken=${encodeURIComponent(next)}`, true)
      setItems((known) => merge(known ?? [], page.items))
      setNext(page.nextToken ?? null)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setLoadingMore(false)
    }
  }

  const replace = (b: Booking) => setItems((known) => merge(known ?? [], [b]))
  return (
    <Page title={t('mine.title')}>
      {error && <Notice kind="error">{t('error.load', { message: error })}</Notice>}
      {items === null && !error && <p role="status">{t('common.loading')}</p>}
      {items !== null && items.length === 0 && (
        <p>
          {t('mine.none')} <a href={href()}>{t('mine.browse')}</a>
        </p>
      )}
      <ul class="cards bookings">
        {(items ?? []).map((b) => (
          <li key={b.bookingId} class="card" data-booking={b.bookingId}>
            <h2>
              <a href={href('bookings', b.bookingId)}>{b.title ?? b.performanceId}</a>
            </h2>
            <BookingFacts booking={b} />
            <p class="actions">
              <CancelBooking booking={b} onCancelled={replace} />
            </p>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="secondary" onClick={more} disabled={loadingMore}>
          {t('common.more')}
        </button>
      )}
    </Page>
  )
}
