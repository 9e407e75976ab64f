import type { Booking } from '../api'
import { useI18n } from '../i18n'

// Drawn in these units, scaled to the width available (at most 36rem wide, see .chart-svg).
const W = 480
const H = 200
const PAD = { left: 40, right: 12, top: 14, bottom: 28 }

/** Tickets sold over time (the confirmed bookings, cumulative), as an SVG line with the same figures in a table for
 * those who cannot see it. Drawn with SVG attributes only: the CSP allows no inline styles. */
export function SalesChart({ bookings, now }: { bookings: Booking[]; now: number }) {
  const i = useI18n()
  const { t } = i
  const sold = bookings.filter((b) => b.status === 'CONFIRMED').sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  if (sold.length === 0) return <p class="muted">{t('dash.noSales')}</p>

  const points: { at: number; total: number }[] = []
  let total = 0
  for (const b of sold) {
    total += b.quantity
    points.push({ at: Date.parse(b.createdAt), total })
  }
  const start = points[0].at
  const end = Math.max(now, points[points.length - 1].at, start + 60_000)
  const x = (at: number) => PAD.left + ((at - start) / (end - start)) * (W - PAD.left - PAD.right)
  const y = (n: number) => H - PAD.bottom - (n / total) * (H - PAD.top - PAD.bottom)
  // A step line: the count holds until the next sale.
  let path = `M ${x(start).toFixed(1)} ${y(0).toFixed(1)}`
  for (const p of points) path += ` H ${x(p.at).toFixed(1)} V ${y(p.total).toFixed(1)}`
  path += ` H ${x(end).toFixed(1)}`

  // The table: at most 12 rows, one per equal slice of the time since the first sale.
  const slices = Math.min(12, points.length)
  const rows = Array.from({ length: slices }, (_, n) => {
    const until = start + ((end - start) * (n + 1)) / slices
    return { until, total: points.filter((p) => p.at <= until).reduce((_, p) => p.total, 0) }
  })

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" class="chart-svg">
        <title id="chart-title">{t('dash.chartTitle')}</title>
        <desc id="chart-desc">{t('dash.chartDesc', { n: i.number(total), from: i.dateTime(new Date(start).toISOString()) })}</desc>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} class="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} class="axis" />
        <text x={PAD.left - 6} y={PAD.top + 10} text-anchor="end" class="tick">{total}</text>
        <text x={PAD.left - 6} y={H - PAD.bottom} text-anchor="end" class="tick">0</text>
        <text x={PAD.left} y={H - 8} class="tick">{i.time(new Date(start).toISOString())}</text>
        <text x={W - PAD.right} y={H - 8} text-anchor="end" class="tick">{i.time(new Date(end).toISOString())}</text>
        <path d={path} class="line" />
      </svg>
      <figcaption>
        <details>
          <summary>{t('dash.chartTable')}</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('dash.until')}</th>
                <th scope="col" class="num">{t('dash.ticketsSold')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.until}>
                  <td>{i.time(new Date(row.until).toISOString())}</td>
                  <td class="num">{row.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  )
}
