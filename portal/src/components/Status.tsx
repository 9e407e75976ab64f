import type { Booking } from '../api'
import { useI18n, type MessageKey } from '../i18n'

export function BookingStatus({ booking }: { booking: Booking }) {
  const { t } = useI18n()
  return (
    <span class={`badge status-${booking.status.toLowerCase()}`} data-status={booking.status}>
      {t(`status.${booking.status}` as MessageKey)}
    </span>
  )
}

export function RefundStatus({ booking }: { booking: Booking }) {
  const { t } = useI18n()
  if (!booking.refund) return null
  return (
    <span class={`badge refund-${booking.refund.status.toLowerCase()}`} data-refund={booking.refund.status}>
      {t(`refund.${booking.refund.status}` as MessageKey)}
    </span>
  )
}
