import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, all, call, UNSETTLED, type Booking, type Performance } from '../api'
import { Notice } from '../components/Notice'
import { useI18n, type I18n } from '../i18n'
import { href, navigate } from '../router'
import { CardError, loadStripe, mountCard, paymentMethod, type CardElement } from '../stripe'
import { remember } from './bookingCache'

const MAX_PER_BOOKING = 10 // the API's limit per booking
const STAKE_STEP = 1_000
const STAKE_MAX = 1_000_000

/** One press of "pay" and its retries: the same Idempotency-Key and the same PaymentMethod until the API has
 * answered definitely, so a retried click (a dropped connection, a double tap) never books or charges twice. */
interface Attempt {
  key: string
  request: string
  paymentMethod: string | null
}

// Answers after which the same request may simply be sent again (the key makes that safe).
const retryable = (err: ApiError) => err.status === 0 || err.status >= 500 || err.code === 'REQUEST_IN_PROGRESS'

function problem(i: I18n, err: unknown): string {
  const { t } = i
  if (err instanceof CardError) return err.message ? t('book.cardError', { message: err.message }) : t('book.cardMissing')
  if (!(err instanceof ApiError)) return t('error.unexpected', { message: String((err as Error)?.message ?? err) })
  const d = err.details
  switch (err.code) {
    case 'PAYMENT_DECLINED':
      return t('book.declined', { reason: err.message })
    case 'PAYMENT_ACTION_REQUIRED':
      return t('book.actionRequired')
    case 'SOLD_OUT':
      return t('book.soldOut', { grade: String(d.grade ?? ''), n: Number(d.remaining ?? 0) })
    case 'LIMIT_EXCEEDED':
      return t('book.limit', { limit: Number(d.limit ?? 0), allowed: Number(d.allowed ?? 0) })
    case 'PERFORMANCE_CANCELLED':
      return t('perf.cancelledText')
    case 'UNAUTHORIZED':
      return t('book.signInAgain')
    default:
      return retryable(err) ? t('book.retry') : t('error.api', { message: err.message })
  }
}

export function BookingForm({ performance: p }: { performance: Performance }) {
  const i = useI18n()
  const { t } = i
  const match = p.kind === 'MATCH'
  const firstOpen = p.grades.find((g) => g.remaining > 0) ?? p.grades[0]
  const [grade, setGrade] = useState(firstOpen.grade)
  const [quantity, setQuantity] = useState(1)
  const [team, setTeam] = useState<string>('')
  const [stake, setStake] = useState(0)
  const [held, setHeld] = useState<number | null>(null)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<{ text: string; bookingId?: string } | null>(null)
  const [cardState, setCardState] = useState<'loading' | 'ready' | 'failed'>('loading')
  const attempt = useRef<Attempt | null>(null)
  const cardHost = useRef<HTMLDivElement>(null)
  const card = useRef<CardElement | null>(null)
  const stripe = useRef<Awaited<ReturnType<typeof loadStripe>> | null>(null)

  const priced = match || p.grades.some((g) => g.price > 0)
  const chosen = p.grades.find((g) => g.grade === grade) ?? firstOpen
  const total = chosen.price * quantity + (match ? stake : 0)
  const room = held === null ? p.maxPerCustomer : Math.max(p.maxPerCustomer - held, 0)
  const most = Math.min(MAX_PER_BOOKING, room, Math.max(chosen.remaining, 0))

  // What this customer already holds of this performance, for the per-customer limit (the API enforces it anyway).
  useEffect(() => {
    const controller = new AbortController()
    all<Booking>('/bookings', true, 300, controller.signal)
      .then(({ items }) =>
        setHeld(
          items
            .filter((b) => b.performanceId === p.performanceId && (b.status === 'CONFIRMED' || UNSETTLED.includes(b.status)))
            .reduce((sum, b) => sum + b.quantity, 0),
        ),
      )
      .catch(() => undefined)
    return () => controller.abort()
  }, [p.performanceId])

  useEffect(() => {
    if (!priced) return
    let cancelled = false
    loadStripe()
      .then(async (s) => {
        if (cancelled || !cardHost.current) return
        stripe.current = s
        card.current = await mountCard(s, cardHost.current, i.lang)
        setCardState('ready')
      })
      .catch(() => !cancelled && setCardState('failed'))
    return () => {
      cancelled = true
      card.current?.destroy()
      card.current = null
    }
    // The card element is mounted once per page; a language switch does not remount it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [priced])

  useEffect(() => {
    if (quantity > Math.max(most, 1)) setQuantity(Math.max(most, 1))
  }, [most, quantity])

  async function submit(e: Event) {
    e.preventDefault()
    if (busy) return
    if (match && !team) {
      setFailure({ text: t('book.chooseTeam') })
      return
    }
    setBusy(true)
    setFailure(null)
    const request = {
      performanceId: p.performanceId,
      grade,
      quantity,
      ...(match ? { team, stake } : {}),
    }
    const fingerprint = JSON.stringify(request)
    if (!attempt.current || attempt.current.request !== fingerprint) {
      attempt.current = { key: crypto.randomUUID(), request: fingerprint, paymentMethod: null }
    }
    const current = attempt.current
    try {
      if (total > 0 && !current.paymentMethod) {
        if (!stripe.current || !card.current) throw new CardError('')
        current.paymentMethod = await paymentMethod(stripe.current, card.current)
      }
      const body = { ...request, ...(current.paymentMethod ? { paymentMethod: current.paymentMethod } : {}) }
      const answer = await call<Booking>('POST', '/bookings', { body, auth: true, idempotencyKey: current.key })
      attempt.current = null
      remember({ ...answer.body, title: p.title, startsAt: p.startsAt })
      navigate(href('bookings', answer.body.bookingId))
    } catch (err) {
      // A definite answer ends the attempt (the next press is a new booking); a lost one keeps it for the retry.
      if (err instanceof ApiError && !retryable(err)) attempt.current = null
      const bookingId = err instanceof ApiError ? (err.details.bookingId as string | undefined) : undefined
      setFailure({ text: problem(i, err), bookingId })
    } finally {
      setBusy(false)
    }
  }

  const quantities = Array.from({ length: Math.max(most, 0) }, (_, n) => n + 1)
  return (
    <form class="booking" onSubmit={submit} aria-labelledby="book-title" noValidate>
      <h2 id="book-title">{t('book.title')}</h2>
      <fieldset>
        <legend>{t('book.grade')}</legend>
        <div class="choices">
          {p.grades.map((g) => (
            <label key={g.grade} class={g.remaining <= 0 ? 'choice disabled' : 'choice'}>
              <input
                type="radio"
                name="grade"
                value={g.grade}
                checked={grade === g.grade}
                disabled={g.remaining <= 0}
                onChange={() => setGrade(g.grade)}
              />
              <span>
                <strong>{g.grade}</strong> {g.price === 0 ? t('perf.free') : i.won(g.price)}
                <span class="muted"> · {g.remaining > 0 ? t('perf.seatsLeft', { n: i.number(g.remaining) }) : t('perf.soldOut')}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <div class="field">
        <label for="quantity">{t('book.quantity')}</label>
        <select id="quantity" value={quantity} disabled={quantities.length === 0} onChange={(e) => setQuantity(Number(e.currentTarget.value))} aria-describedby="quantity-help">
          {quantities.map((n) => (
            <option key={n} value={n}>
              {t('book.tickets', { n })}
            </option>
          ))}
        </select>
        <p id="quantity-help" class="help">
          {held ? t('book.heldAlready', { held, limit: p.maxPerCustomer }) : t('book.limitHelp', { limit: p.maxPerCustomer })}
        </p>
      </div>
      {room === 0 && <Notice kind="info">{t('book.limitReached', { limit: p.maxPerCustomer })}</Notice>}

      {match && p.teams && (
        <>
          <fieldset>
            <legend>{t('book.team')}</legend>
            <div class="choices">
              {p.teams.map((name) => (
                <label key={name} class="choice">
                  <input type="radio" name="team" value={name} checked={team === name} onChange={() => setTeam(name)} />
                  <span>{name}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div class="field">
            <label for="stake">{t('book.stake')}</label>
            <input
              id="stake"
              type="number"
              inputMode="numeric"
              min={0}
              max={STAKE_MAX}
              step={STAKE_STEP}
              value={stake}
              aria-describedby="stake-help"
              onInput={(e) => {
                const value = Math.round(Number(e.currentTarget.value) / STAKE_STEP) * STAKE_STEP
                setStake(Number.isFinite(value) ? Math.min(Math.max(value, 0), STAKE_MAX) : 0)
              }}
            />
            <p id="stake-help" class="help">{t('book.stakeHelp', { max: i.won(STAKE_MAX) })}</p>
          </div>
        </>
      )}

      {priced && (
        <fieldset class="card-field">
          <legend>{t('book.card')}</legend>
          <div ref={cardHost} class="card-host" id="card-element" />
          {cardState === 'loading' && <p class="help">{t('book.cardLoading')}</p>}
          {cardState === 'failed' && <Notice kind="error">{t('book.cardUnavailable')}</Notice>}
          <p class="help">{t('book.cardHelp')}</p>
        </fieldset>
      )}

      <p class="total" aria-live="polite">
        {t('book.total')}: <strong>{i.won(total)}</strong>
      </p>
      {failure && (
        <Notice kind="error">
          {failure.text}
          {failure.bookingId && (
            <>
              {' '}
              <a href={href('bookings', failure.bookingId)}>{t('book.seeBooking')}</a>
            </>
          )}
        </Notice>
      )}
      <button type="submit" class="primary" disabled={busy || quantities.length === 0 || (total > 0 && cardState !== 'ready')} aria-busy={busy}>
        {busy ? t('book.paying') : total > 0 ? t('book.pay', { amount: i.won(total) }) : t('book.bookFree')}
      </button>
    </form>
  )
}
