// Korean first, English too. Texts live in messages/<lang>.json; the type of the Korean file is the list of keys, and
// the English file must have the same ones (checked by `tsc` at build).
import { createStore, useStore } from './store'
import en from './messages/en.json'
import ko from './messages/ko.json'

export type Lang = 'ko' | 'en'
export type MessageKey = keyof typeof ko
const catalogs: Record<Lang, Record<MessageKey, string>> = { ko, en }

const LANG_KEY = 'boxoffice.lang' // the only thing the portal keeps in localStorage: never a token

function initialLang(): Lang {
  try {
    const saved = window.localStorage.getItem(LANG_KEY)
    if (saved === 'ko' || saved === 'en') return saved
  } catch {
    // storage may be blocked; Korean it is
  }
  return 'ko'
}

export const lang = createStore<Lang>(initialLang())

export function setLang(next: Lang) {
  try {
    window.localStorage.setItem(LANG_KEY, next)
  } catch {
    // not kept across visits then
  }
  document.documentElement.lang = next
  lang.set(next)
}

export function translate(current: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogs[current][key] ?? key
  return params ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : text
}

const locales: Record<Lang, string> = { ko: 'ko-KR', en: 'en-GB' }

export interface I18n {
  lang: Lang
  locale: string
  t: (key: MessageKey, params?: Record<string, string | number>) => string
  /** a start time in the viewer's own time zone, with the zone named */
  dateTime: (iso: string) => string
  date: (iso: string) => string
  time: (iso: string) => string
  won: (amount: number) => string
  number: (n: number) => string
}

const built = new Map<Lang, I18n>()

export function i18n(current: Lang): I18n {
  const known = built.get(current)
  if (known) return known
  const locale = locales[current]
  const dateTime = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  })
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' })
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit' })
  const won = new Intl.NumberFormat(locale, { style: 'currency', currency: 'KRW' })
  const number = new Intl.NumberFormat(locale)
  const made: I18n = {
    lang: current,
    locale,
    t: (key, params) => translate(current, key, params),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    date: (iso) => date.format(new Date(iso)),
    time: (iso) => time.format(new Date(iso)),
    won: (amount) => won.format(amount),
    number: (n) => number.format(n),
  }
  built.set(current, made)
  return made
}

export function useI18n(): I18n {
  return i18n(useStore(lang))
}
