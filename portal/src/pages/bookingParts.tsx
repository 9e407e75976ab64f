import { useRef, useState } from 'preact/hooks'
import { ApiError, call, UNSETTLED, type Booking } from '../api'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Notice } from '../components/Notice'
import { BookingStatus, RefundStatus } from '../components/Status'
import { useNow } from '../hooks'
import { useI18n } from '../i18n'

const STEP: Record<Booking['status'], number> = {
  HELD: 0,
  PAYMENT_PENDING: 1,
  CONFIRMED: 2,
  PAYMENT_FAILED: 2,
  EXPIRED: 2,
  CANCELLED: 3,
}
const REFUND_STEP = { PENDING: 1, REFUNDED: 2, FAILED: 2 }

/** What is known of a booking, given a fresh read: a booking only moves forward, and the status view may be a
 * moment behind an answer the page already has (a cancellation just confirmed), so an older state never wins. */
export function newer(known: Booking | null | undefined, fresh: Booking): Booking {
  if (!known) return fresh
  const merged = { ...known, ...fresh }
  if (STEP[known.status] > STEP[fresh.status]) Object.assign(merged, { status: known.status, cancelledAt: known.cancelledAt, cancelReason: known.cancelReason })
  const was = known.refund ? REFUND_STEP[known.refund.status] : 0
  const is = fresh.refund ? REFUND_STEP[fresh.refund.status] : 0
  if (was > is) merged.refund = known.refund
  return merged
}

/** Still moving on its own: a payment being settled, or a refund on its way. */
export const moving = (b: Booking) => UNSETTLED.includes(b.status) || b.refund?.status === 'PENDING'

/** Time left on a held booking, counting down each second; "expired" once past. */
export function HoldCountdown({ until }: { until: string }) {
  const { t } = useI18n()
  const now = useNow(1000)
  const left = Math.max(0, Math.floor((Date.parse(until) - now) / 1000))
  const text = left > 0 ? t('booking.holdLeft', { m: Math.floor(left / 60), s: String(left % 60).padStart(2, '0') }) : t('booking.holdOver')
  // Announcing every second would drown a screen reader: the text is read when reached, not live.
  return (
    <span class="countdown" data-countdown>
      <time dateTime={`PT${left}S`}>{text}</time>
    </span>
  )
}

export function BookingFacts({ booking: b }: { booking: Booking }) {
  const i = useI18n()
  const { t } = i
  return (
    <>
      <p class="badges">
        <BookingStatus booking={b} /> <RefundStatus booking={b} />
      </p>
      <dl class="facts">
        {b.startsAt && (
          <>
            <dt>{t('perf.startsAt')}</dt>
            <dd>
              <time dateTime={b.startsAt}>{i.dateTime(b.startsAt)}</time>
            </dd>
          </>
        )}
        <dt>{t('booking.tickets')}</dt>
        <dd>{t('booking.ticketsValue', { grade: b.grade, n: b.quantity })}</dd>
        {b.team && (
          <>
            <dt>{t('book.team')}</dt>
            <dd>{b.team}</dd>
            <dt>{t('book.stake')}</dt>
            <dd>{i.won(b.stake ?? 0)}</dd>
          </>
        )}
        <dt>{t('booking.amount')}</dt>
        <dd>{i.won(b.amount)}</dd>
        <dt>{t('booking.bookedAt')}</dt>
        <dd>
          <time dateTime={b.createdAt}>{i.dateTime(b.createdAt)}</time>
        </dd>
        {UNSETTLED.includes(b.status) && b.holdExpiresAt && (
          <>
            <dt>{t('booking.hold')}</dt>
            <dd>
              <HoldCountdown until={b.holdExpiresAt} />
            </dd>
          </>
        )}
        {b.failureReason && (
          <>
            <dt>{t('booking.failureReason')}</dt>
            <dd>{b.failureReason}</dd>
          </>
        )}
        {b.cancelReason && (
          <>
            <dt>{t('booking.cancelReason')}</dt>
            <dd>{t(b.cancelReason === 'CUSTOMER' ? 'booking.cancelledByYou' : 'booking.cancelledByOrganizer')}</dd>
          </>
        )}
      </dl>
    </>
  )
}

/** Cancel a confirmed booking, after a confirmation; the refund follows on its own. */
export function CancelBooking({ booking, onCancelled }: { booking: Booking; onCancelled: (b: Booking) => void }) {
  const { t, won } = useI18n()
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const key = useRef<string | null>(null)
  if (booking.status !== 'CONFIRMED') return null

  async function confirm() {
    setBusy(true)
    setError(null)
    key.current ??= crypto.randomUUID() // a retried confirmation is the same cancellation
    try {
      const answer = await call<Booking>('POST', `/bookings/${encodeURIComponent(booking.bookingId)}/cancel`, {
        auth: true,
        idempotencyKey: key.current,
      })
      setOpen(false)
      onCancelled(answer.body)
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        {t('booking.cancel')}
      </button>
      <ConfirmDialog
        open={open}
        busy={busy}
        title={t('booking.cancelTitle')}
        confirmLabel={t('booking.cancelConfirm')}
        cancelLabel={t('booking.cancelKeep')}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        <p>{t('booking.cancelText', { title: booking.title ?? '', n: booking.quantity })}</p>
        {booking.amount > 0 && <p>{t('booking.cancelRefund', { amount: won(booking.amount) })}</p>}
        {error && <Notice kind="error">{error}</Notice>}
      </ConfirmDialog>
    </>
  )
}
