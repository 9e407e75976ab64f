import { useRef, useState } from 'preact/hooks'
import { ApiError, call, type Kind, type Performance } from '../api'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { useI18n } from '../i18n'
import { href, navigate } from '../router'
import { fieldErrors, type FieldErrors } from './fieldErrors'

interface GradeRow {
  grade: string
  price: string
  seats: string
}

const MAX_GRADES = 8
const MIN_TEAMS = 2
const MAX_TEAMS = 4

/** "2026-12-24T19:30" from <input type=datetime-local>, in the viewer's zone, as ISO 8601 with its UTC offset. */
export function withOffset(local: string): string {
  if (!local) return ''
  const moment = new Date(local)
  if (Number.isNaN(moment.getTime())) return local
  const minutes = -moment.getTimezoneOffset()
  const sign = minutes >= 0 ? '+' : '-'
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0')
  const seconds = local.length === 16 ? ':00' : ''
  return `${local}${seconds}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`
}

/** A number field as the API should see it: an integer, or what was typed (so the API says what is wrong). */
function integer(value: string): number | string | null {
  if (value.trim() === '') return null
  const n = Number(value)
  return Number.isInteger(n) ? n : value
}

function offsetLabel(): string {
  const minutes = -new Date().getTimezoneOffset()
  const sign = minutes >= 0 ? '+' : '-'
  const h = Math.floor(Math.abs(minutes) / 60)
  const m = Math.abs(minutes) % 60
  return `UTC${sign}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`
}

export function RegisterPerformance() {
  const { t } = useI18n()
  const [kind, setKind] = useState<Kind>('CONCERT')
  const [title, setTitle] = useState('')
  const [venue, setVenue] = useState('')
  const [startsAt, setStartsAt] = useState('')
  const [grades, setGrades] = useState<GradeRow[]>([{ grade: 'R', price: '', seats: '' }])
  const [limit, setLimit] = useState('4')
  const [teams, setTeams] = useState<string[]>(['', ''])
  const [errors, setErrors] = useState<FieldErrors>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const form = useRef<HTMLFormElement>(null)

  const setGrade = (index: number, field: keyof GradeRow, value: string) =>
    setGrades((rows) => rows.map((row, n) => (n === index ? { ...row, [field]: value } : row)))
  const setTeam = (index: number, value: string) => setTeams((names) => names.map((name, n) => (n === index ? value : name)))

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setErrors({})
    setFormError(null)
    const body: Record<string, unknown> = {
      title,
      venue,
      startsAt: withOffset(startsAt),
      grades: grades.map((row) => ({ grade: row.grade.trim().toUpperCase(), price: integer(row.price), seats: integer(row.seats) })),
      maxPerCustomer: integer(limit),
    }
    if (kind === 'MATCH') Object.assign(body, { kind, teams: teams.map((name) => name.trim()) })
    try {
      const created = await call<Performance>('POST', '/performances', { body, auth: true })
      navigate(href('organizer', 'performances', created.body.performanceId))
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const { byField, rest } = fieldErrors(err)
        setErrors(byField)
        setFormError(rest)
        // Take the user to the first field the API complained about.
        window.setTimeout(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"], .field-error')?.focus(), 0)
      } else {
        setFormError(err instanceof ApiError ? t('error.api', { message: err.message }) : String(err))
      }
    } finally {
      setBusy(false)
    }
  }

  // Props that tie a field to the API's message about it.
  const invalid = (id: string) => ({
    id,
    'aria-invalid': errors[id] ? ('true' as const) : undefined,
    'aria-describedby': errors[id] ? `${id}-error` : undefined,
  })
  // A group's message is tied to it by aria-describedby only (aria-invalid belongs on the fields themselves).
  const group = (id: string) => ({ id, 'aria-describedby': errors[id] ? `${id}-error` : undefined })
  const message = (id: string) =>
    errors[id] ? (
      <p id={`${id}-error`} class="field-error" tabIndex={-1}>
        {errors[id]}
      </p>
    ) : null

  return (
    <Page title={t('reg.title')}>
      <form ref={form} class="register" onSubmit={submit} noValidate>
        <fieldset>
          <legend>{t('reg.kind')}</legend>
          <div class="choices">
            {(['CONCERT', 'MATCH'] as Kind[]).map((k) => (
              <label key={k} class="choice">
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                <span>{t(`kind.${k}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div class="field">
          <label for="title">{t('reg.name')}</label>
          <input {...invalid('title')} type="text" required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          {message('title')}
        </div>
        <div class="field">
          <label for="venue">{t('reg.venue')}</label>
          <input {...invalid('venue')} type="text" required maxLength={200} value={venue} onInput={(e) => setVenue(e.currentTarget.value)} />
          {message('venue')}
        </div>
        <div class="field">
          <label for="startsAt">{t('reg.startsAt', { zone: offsetLabel() })}</label>
          <input {...invalid('startsAt')} type="datetime-local" required value={startsAt} onInput={(e) => setStartsAt(e.currentTarget.value)} />
          {message('startsAt')}
        </div>

        {kind === 'MATCH' && (
          <fieldset {...group('teams')}>
            <legend>{t('reg.teams')}</legend>
            {teams.map((name, n) => (
              <div class="row" key={n}>
                <div class="field grow">
                  <label for={`team-${n}`}>{t('reg.team', { n: n + 1 })}</label>
                  <input {...invalid(`team-${n}`)} type="text" required maxLength={60} value={name} onInput={(e) => setTeam(n, e.currentTarget.value)} />
                  {message(`team-${n}`)}
                </div>
                {teams.length > MIN_TEAMS && (
                  <button type="button" class="secondary small" onClick={() => setTeams((names) => names.filter((_, m) => m !== n))}>
                    {t('reg.removeTeam', { n: n + 1 })}
                  </button>
                )}
              </div>
            ))}
            {teams.length < MAX_TEAMS && (
              <button type="button" class="secondary small" onClick={() => setTeams((names) => [...names, ''])}>
                {t('reg.addTeam')}
              </button>
            )}
            {message('teams')}
          </fieldset>
        )}

        <fieldset {...group('grades')}>
          <legend>{t('reg.grades')}</legend>
          {grades.map((row, n) => (
            <fieldset class="grade-row" key={n}>
              <legend>{t('reg.gradeN', { n: n + 1 })}</legend>
              <div class="row">
                <div class="field">
                  <label for={`grade-${n}-grade`}>{t('reg.gradeName')}</label>
                  <input {...invalid(`grade-${n}-grade`)} type="text" required maxLength={8} autoCapitalize="characters" value={row.grade} onInput={(e) => setGrade(n, 'grade', e.currentTarget.value)} />
                  {message(`grade-${n}-grade`)}
                </div>
                <div class="field">
                  <label for={`grade-${n}-price`}>{t('reg.price')}</label>
                  <input {...invalid(`grade-${n}-price`)} type="number" inputMode="numeric" min={0} step={1000} required value={row.price} onInput={(e) => setGrade(n, 'price', e.currentTarget.value)} />
                  {message(`grade-${n}-price`)}
                </div>
                <div class="field">
                  <label for={`grade-${n}-seats`}>{t('reg.seats')}</label>
                  <input {...invalid(`grade-${n}-seats`)} type="number" inputMode="numeric" min={1} required value={row.seats} onInput={(e) => setGrade(n, 'seats', e.currentTarget.value)} />
                  {message(`grade-${n}-seats`)}
                </div>
              </div>
              {grades.length > 1 && (
                <button type="button" class="secondary small" onClick={() => setGrades((rows) => rows.filter((_, m) => m !== n))}>
                  {t('reg.removeGrade', { n: n + 1 })}
                </button>
              )}
            </fieldset>
          ))}
          {grades.length < MAX_GRADES && (
            <button type="button" class="secondary small" onClick={() => setGrades((rows) => [...rows, { grade: '', price: '', seats: '' }])}>
              {t('reg.addGrade')}
            </button>
          )}
          {message('grades')}
        </fieldset>

        <div class="field">
          <label for="maxPerCustomer">{t('reg.limit')}</label>
          <input {...invalid('maxPerCustomer')} type="number" inputMode="numeric" min={1} max={10} required value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
          {message('maxPerCustomer')}
        </div>

        {formError && <Notice kind="error">{formError}</Notice>}
        {Object.keys(errors).length > 0 && !formError && <Notice kind="error">{t('reg.fix')}</Notice>}
        <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
          {busy ? t('reg.busy') : t('reg.submit')}
        </button>
      </form>
    </Page>
  )
}
