// Port of src/model/quote.ts `computeOptimalQuote` (and src/model/ticks.ts) for the backtest loop.
// Results land in the q* globals below (no allocation). Differential-tested against the TS model
// in test/backtest/quote_core.test.ts.

const SNAP: f64 = 1e-9;
const MIN_GAMMA: f64 = 1e-6;
const MAX_GAMMA: f64 = 1e6;

export let qBid: f64 = 0;
export let qAsk: f64 = 0;
export let qBidTk: f64 = 0;
export let qAskTk: f64 = 0;
export let qGamma: f64 = 0;
export let qSpread: f64 = 0;
export let qReservation: f64 = 0;

// quote parameters (set by setQuoteParams)
let gammaMode: i32 = 0;
let riskAversionGamma: f64 = 0.1;
let gammaMin: f64 = 0;
let gammaMax: f64 = 0;
let horizon: f64 = 0;
let maxInventory: f64 = 0;
let tickSize: f64 = 0;
let maxShiftTicks: f64 = 0;
let minSpreadBps: f64 = 0;
let maxSpreadBps: f64 = 0;
let makerFeeBps: f64 = 0;
let minVol: f64 = 0;
let maxVol: f64 = 0;

export function setQuoteParams(
  mode: i32, rag: f64, gmin: f64, gmax: f64, T: f64, maxInv: f64, tick: f64, shiftTicks: f64,
  minBps: f64, maxBps: f64, makerBps: f64, vmin: f64, vmax: f64,
): void {
  gammaMode = mode; riskAversionGamma = rag; gammaMin = gmin; gammaMax = gmax; horizon = T;
  maxInventory = maxInv; tickSize = tick; maxShiftTicks = shiftTicks; minSpreadBps = minBps;
  maxSpreadBps = maxBps; makerFeeBps = makerBps; minVol = vmin; maxVol = vmax;
  const inv = 1 / tick;
  const invInt = Math.round(inv);
  tickDivisor = invInt > 0 && Math.abs(inv - invInt) <= SNAP * inv ? invInt : 0;
}

// ticksToPrice for the quote tick, with its 1/tick test done once per run (same result).
let tickDivisor: f64 = 0;
@inline function quoteTicksToPrice(ticks: f64): f64 {
  return tickDivisor > 0 ? ticks / tickDivisor : ticks * tickSize;
}

@inline function isFinite_(x: f64): bool {
  return x - x == 0;
}

function ticksOf(price: f64, tick: f64): f64 {
  const x = price / tick;
  const n = Math.round(x);
  return Math.abs(x - n) <= Math.max(SNAP, 16 * f64.EPSILON * Math.abs(x)) ? n : x;
}

export function floorTicks(price: f64, tick: f64): f64 {
  return Math.floor(ticksOf(price, tick));
}

export function ceilTicks(price: f64, tick: f64): f64 {
  return Math.ceil(ticksOf(price, tick));
}

export function ticksToPrice(ticks: f64, tick: f64): f64 {
  const inv = 1 / tick;
  const invInt = Math.round(inv);
  if (invInt > 0 && Math.abs(inv - invInt) <= SNAP * inv) return ticks / invInt;
  return ticks * tick;
}

function clampSigma(raw: f64): f64 {
  const clampOn = maxVol > minVol;
  let s = isFinite_(raw) ? raw : raw == Infinity && clampOn ? maxVol : 0;
  if (clampOn) s = Math.min(Math.max(s, minVol), maxVol);
  return Math.max(s, 0);
}

function selectGamma(sigma: f64, mid: f64, inventory: f64): f64 {
  const s2 = sigma * sigma;
  const T = horizon;
  const invRatio = maxInventory > 0 ? Math.min(Math.abs(inventory) / maxInventory, 1) : 0;
  const gConst = Math.max(riskAversionGamma, MIN_GAMMA);
  let g: f64;
  if (gammaMode == 0) g = gConst;
  else {
    const gShift = s2 > 1e-12 && T > 0 && mid > 0 ? Math.min((maxShiftTicks * tickSize) / mid / (s2 * T), MAX_GAMMA) : gConst;
    g = gammaMode == 1 ? Math.max(gShift * invRatio, MIN_GAMMA) : Math.max(gShift, MIN_GAMMA);
  }
  if (gammaMax > gammaMin && gammaMax > 0) {
    g = Math.min(Math.max(g, Math.max(gammaMin, MIN_GAMMA)), Math.min(gammaMax, MAX_GAMMA));
  }
  return isFinite_(g) ? g : gConst;
}

function sideSpreadReturn(gamma: f64, sigma: f64, T: f64, kappa: f64): f64 {
  const k = kappa > 0 && isFinite_(kappa) ? kappa : 1;
  const d = gamma * sigma * sigma * T + (2 / gamma) * Math.log(Math.max(1 + gamma / k, 1e-6));
  return isFinite_(d) && d > 0 ? d : 0;
}

// One-entry memo per side: γ, σ and κ only change at recalibrations (and γ with inventory in the
// scaled modes), so the two logs are usually skipped on a requote. Pure function → same bits.
let mG0: f64 = NaN, mS0: f64 = NaN, mT0: f64 = NaN, mK0: f64 = NaN, mD0: f64 = 0;
let mG1: f64 = NaN, mS1: f64 = NaN, mT1: f64 = NaN, mK1: f64 = NaN, mD1: f64 = 0;

function sideSpreadBid(gamma: f64, sigma: f64, T: f64, kappa: f64): f64 {
  if (gamma == mG0 && sigma == mS0 && T == mT0 && kappa == mK0) return mD0;
  mD0 = sideSpreadReturn(gamma, sigma, T, kappa);
  mG0 = gamma; mS0 = sigma; mT0 = T; mK0 = kappa;
  return mD0;
}

function sideSpreadAsk(gamma: f64, sigma: f64, T: f64, kappa: f64): f64 {
  if (gamma == mG1 && sigma == mS1 && T == mT1 && kappa == mK1) return mD1;
  mD1 = sideSpreadReturn(gamma, sigma, T, kappa);
  mG1 = gamma; mS1 = sigma; mT1 = T; mK1 = kappa;
  return mD1;
}

function boundSpread(deltaPrice: f64, mid: f64): f64 {
  if (!(deltaPrice > 0)) return 0;
  let bps = (deltaPrice / mid) * 1e4;
  const floor = Math.max(minSpreadBps, 2 * Math.max(makerFeeBps, 0));
  const cap = maxSpreadBps > 0 ? maxSpreadBps : Math.max(bps, floor);
  if (cap > 0) {
    bps = Math.min(Math.max(bps, Math.min(floor, cap)), cap);
    return (bps * mid) / 1e4;
  }
  return deltaPrice;
}

/** Writes qBid/qAsk/qBidTk/qAskTk/qGamma/qSpread/qReservation; returns 0 ok, 1 invalid mid, 2 no bid. */
export function computeQuote(mid: f64, inventory: f64, sigmaRaw: f64, kappaBid: f64, kappaAsk: f64): i32 {
  const sigma = clampSigma(sigmaRaw);
  if (!isFinite_(mid) || mid <= 0) {
    qBid = 0; qAsk = 0; qBidTk = 0; qAskTk = 0; qSpread = 0; qReservation = 0;
    qGamma = Math.max(riskAversionGamma, MIN_GAMMA);
    return 1;
  }
  const q = isFinite_(inventory) ? inventory : 0;
  const gamma = selectGamma(sigma, mid, q);
  const T = horizon;
  const deltaBid = boundSpread(sideSpreadBid(gamma, sigma, T, kappaBid) * mid, mid);
  const deltaAsk = boundSpread(sideSpreadAsk(gamma, sigma, T, kappaAsk) * mid, mid);
  const invSigned = maxInventory > 0 ? Math.min(Math.max(q / maxInventory, -1), 1) : 0;
  let r = mid - invSigned * gamma * sigma * sigma * T * mid;
  if (!(r > 0) || !isFinite_(r)) r = mid;
  const rawBid = r - deltaBid / 2;
  const rawAsk = r + deltaAsk / 2;
  const tick = tickSize;
  let bidTicks: f64 = 0;
  let askTicks: f64 = 0;
  let bid: f64 = 0;
  let ask: f64 = 0;
  if (tick > 0) {
    if (rawBid > 0) {
      bidTicks = floorTicks(rawBid, tick);
      bid = quoteTicksToPrice(bidTicks);
    }
    askTicks = ceilTicks(rawAsk, tick);
    ask = quoteTicksToPrice(askTicks);
    if (bidTicks > askTicks) {
      const midTicks = (bidTicks + askTicks) / 2;
      bidTicks = Math.floor(midTicks);
      askTicks = Math.ceil(midTicks);
      bid = quoteTicksToPrice(bidTicks);
      ask = quoteTicksToPrice(askTicks);
    }
  } else {
    bid = rawBid > 0 ? rawBid : 0;
    ask = rawAsk;
  }
  qBid = bid; qAsk = ask; qBidTk = bidTicks; qAskTk = askTicks; qGamma = gamma; qReservation = r;
  qSpread = ask > bid && bid > 0 ? ask - bid : Math.max((deltaBid + deltaAsk) / 2, 0);
  return bid > 0 ? 0 : 2;
}
