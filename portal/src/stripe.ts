// Card payments: the card goes to Stripe (locally: localstripe's Stripe.js stand-in), never to Boxoffice, which only
// ever sees a PaymentMethod id (pm_...).
//
// One path works unchanged against Stripe and localstripe:
//   1. Stripe.js's card element and stripe.createToken(card) -> tok_...   (real Stripe.js and the stand-in both have it;
//      the stand-in's createPaymentMethod is an empty stub, so that is not used)
//   2. POST {stripeApiBase}/v1/payment_methods  type=card & card[token]=tok_... & key=pk_...  -> pm_...
//      The publishable key goes in the form body, as Stripe.js itself sends it: a form POST without an
//      Authorization header is a "simple" cross-origin request (no preflight), which localstripe's CORS allows too.
//      (localstripe needs two patches of ours for this call: see tools/localstripe_patches/.)
//   3. POST /bookings {..., paymentMethod: pm_...}: Boxoffice charges it server-side with a PaymentIntent.
import { config } from './config'

interface StripeError {
  message?: string
  code?: string
}

export interface CardElement {
  mount(el: HTMLElement): void
  destroy(): void
  on(event: string, handler: (e?: { complete?: boolean; error?: StripeError }) => void): void
}

interface StripeJs {
  elements(options?: Record<string, unknown>): { create(type: 'card', options?: Record<string, unknown>): CardElement }
  createToken(card: CardElement): Promise<{ token?: { id: string }; error?: StripeError }>
}

declare global {
  interface Window {
    Stripe?: (key: string) => StripeJs
  }
}

/** A card the provider refused to take, or no card at all: the customer can fix it. */
export class CardError extends Error {}

let loading: Promise<StripeJs> | null = null

/** Stripe.js from its own origin (never bundled: Stripe requires it to be loaded from js.stripe.com), once. */
export function loadStripe(): Promise<StripeJs> {
  if (!loading) {
    const cfg = config()
    loading = new Promise<StripeJs>((resolve, reject) => {
      const script = document.createElement('script')
      script.src = cfg.stripeJsUrl
      script.async = true
      script.onload = () => (window.Stripe ? resolve(window.Stripe(cfg.stripePublishableKey)) : reject(new Error('Stripe.js did not load')))
      script.onerror = () => {
        loading = null // let a later mount try again
        reject(new Error(`could not load ${cfg.stripeJsUrl}`))
      }
      document.head.appendChild(script)
    })
  }
  return loading
}

export async function mountCard(stripe: StripeJs, el: HTMLElement, locale: string): Promise<CardElement> {
  const card = stripe.elements({ locale }).create('card', { hidePostalCode: true })
  card.mount(el)
  return card
}

/** The card in the element as a PaymentMethod id, by the path above. */
export async function paymentMethod(stripe: StripeJs, card: CardElement): Promise<string> {
  let result: Awaited<ReturnType<StripeJs['createToken']>>
  try {
    result = await stripe.createToken(card)
  } catch {
    // The stand-in throws on an element nobody has typed into; Stripe.js answers an error instead.
    throw new CardError('')
  }
  if (result.error || !result.token) throw new CardError(result.error?.message ?? '')
  const cfg = config()
  const form = new URLSearchParams({ type: 'card', 'card[token]': result.token.id, key: cfg.stripePublishableKey })
  const response = await fetch(`${cfg.stripeApiBase}/v1/payment_methods`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  })
  const body = (await response.json().catch(() => ({}))) as { id?: string; error?: StripeError }
  if (!response.ok || !body.id) throw new CardError(body.error?.message ?? `payment_methods answered ${response.status}`)
  return body.id
}
