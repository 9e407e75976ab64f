import type { Performance } from '../api'
import { useI18n, type I18n } from '../i18n'

export const soldOut = (p: Performance) => p.grades.every((g) => g.remaining <= 0)

export function PerformanceBadges({ performance: p }: { performance: Performance }) {
  const { t } = useI18n()
  return (
    <p class="badges">
      <span class={`badge kind-${(p.kind ?? 'CONCERT').toLowerCase()}`}>{t(p.kind === 'MATCH' ? 'kind.MATCH' : 'kind.CONCERT')}</span>
      {p.status === 'CANCELLED' && <span class="badge cancelled">{t('perf.cancelled')}</span>}
      {p.status === 'OPEN' && soldOut(p) && <span class="badge soldout">{t('perf.soldOut')}</span>}
    </p>
  )
}

export function priceFrom(i: I18n, p: Performance): string {
  const prices = p.grades.map((g) => g.price)
  const lowest = Math.min(...prices)
  if (Math.max(...prices) === 0) return i.t('perf.free')
  return prices.length > 1 ? i.t('perf.priceFrom', { price: i.won(lowest) }) : i.won(lowest)
}

export function seatsLeft(i: I18n, p: Performance): string {
  if (p.status === 'CANCELLED') return i.t('perf.cancelled')
  const left = p.grades.reduce((sum, g) => sum + Math.max(g.remaining, 0), 0)
  return left > 0 ? i.t('perf.seatsLeft', { n: i.number(left) }) : i.t('perf.soldOut')
}
