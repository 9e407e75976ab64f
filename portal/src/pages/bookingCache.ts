// The answer of a booking just made, until the status view (which GET /bookings reads, a moment behind) has it.
import type { Booking } from '../api'

const recent = new Map<string, Booking>()

export function remember(booking: Booking) {
  recent.set(booking.bookingId, booking)
}

export function recalled(bookingId: string): Booking | undefined {
  return recent.get(bookingId)
}
