import { useState } from 'preact/hooks'
import { ApiError, get, type Booking } from '../api'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { usePoll } from '../hooks'
import { useI18n, type MessageKey } from '../i18n'
import { href } from '../router'
import { BookingFacts, CancelBooking, moving, newer } from './bookingParts'
import { recalled } from './bookingCache'

/** One booking, followed until it settles: a pending payment until it is CONFIRMED, failed or expired; a
 * cancelled one until its refund is through. */
export function BookingPage({ bookingId }: { bookingId: string }) {
  const i = useI18n()
  const { t } = i
  const [booking, setBooking] = useState<Booking | null>(recalled(bookingId) ?? null)
  const [inView, setInView] = useState(false)
  const [error, setError] = useState<ApiError | Error | null>(null)

  // The status view is a moment behind a booking's answer: until it has the booking, show the answer and ask again.
  const active = !inView || (booking !== null && moving(booking))
  usePoll(
    async (signal) => {
      try {
        const fresh = await get<Booking>(`/bookings/${encodeURIComponent(bookingId)}`, true, signal)
        setBooking((known) => newer(known, fresh))
        setInView(true)
        setError(null)
      } catch (err) {
        if ((err as Error).name === 'AbortError') return
        if (!(err instanceof ApiError && err.status === 404 && recalled(bookingId))) setError(err as Error)
      }
    },
    2_000,
    active,
    [bookingId, active],
  )

  if (!booking) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 400)
    return (
      <Page title={missing ? t('booking.notFound') : t('common.loading')}>
        {error && !missing && <Notice kind="error">{t('error.load', { message: error.message })}</Notice>}
        <p>
          <a href={href('bookings')}>{t('booking.all')}</a>
        </p>
      </Page>
    )
  }
  const outcome = `outcome.${booking.status}` as MessageKey
  return (
    <Page title={booking.title ?? t('booking.title')}>
      <div class={`outcome outcome-${booking.status.toLowerCase()}`} role="status" aria-live="polite" data-outcome={booking.status}>
        <p class="outcome-text">{t(outcome)}</p>
        {booking.status === 'PAYMENT_FAILED' && booking.failureReason && <p>{booking.failureReason}</p>}
        {booking.refund && <p>{t(`refundText.${booking.refund.status}` as MessageKey)}</p>}
      </div>
      <BookingFacts booking={booking} />
      <p class="actions">
        <CancelBooking booking={booking} onCancelled={(b) => setBooking((known) => newer(known, b))} />
        <a href={href('performances', booking.performanceId)}>{t('booking.performance')}</a>
        <a href={href('bookings')}>{t('booking.all')}</a>
      </p>
    </Page>
  )
}
