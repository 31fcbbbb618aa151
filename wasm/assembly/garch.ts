// GARCH(1,1) screening pass for eight candidates at once (four f64x2 pairs): the WASM form of
// src/model/garch_batch.ts `garchLogLikScreen` (its TypeScript reference, four lanes). Per lane
// it performs the reference's operations in the reference's order — x = r², p ← p·(σ²·(1/v̄)),
// q ← q + x/σ², σ² ← (ω + α·x) + β·σ² — so Σ r²/σ² and the forecast are bit-identical to it; the
// logarithms of the 64-step products are AssemblyScript's, within the ulp the reference's bound
// allows for them. Host side: src/core/garch_screen.ts.

const BLOCK = 64;

@inline function log2lanes(p: v128): v128 {
  return f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(p, 0))), 1, Math.log(f64x2.extract_lane(p, 1)));
}

/**
 * r: n returns (f64); par: α[8], β[8], ω[8]; out: Σ ln of the 64-step products of σ²/v̄ (the last
 * partial) [8], Σ r²/σ² [8], σ²ₙ₊₁ [8]. init = σ²₁, iv = 1/v̄.
 */
export function garchScreen8(r: usize, n: i32, iv: f64, init: f64, par: usize, out: usize): void {
  const a0 = v128.load(par), a1 = v128.load(par, 16), a2 = v128.load(par, 32), a3 = v128.load(par, 48);
  const b0 = v128.load(par, 64), b1 = v128.load(par, 80), b2 = v128.load(par, 96), b3 = v128.load(par, 112);
  const w0 = v128.load(par, 128), w1 = v128.load(par, 144), w2 = v128.load(par, 160), w3 = v128.load(par, 176);
  const ivv = f64x2.splat(iv);
  const one = f64x2.splat(1);
  let s0 = f64x2.splat(init), s1 = s0, s2 = s0, s3 = s0;
  let q0 = f64x2.splat(0), q1 = q0, q2 = q0, q3 = q0;
  let l0 = q0, l1 = q0, l2 = q0, l3 = q0;
  let p0 = one, p1 = one, p2 = one, p3 = one;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const ri = load<f64>(r + (<usize>i << 3));
    const x = f64x2.splat(ri * ri);
    p0 = f64x2.mul(p0, f64x2.mul(s0, ivv)); p1 = f64x2.mul(p1, f64x2.mul(s1, ivv));
    p2 = f64x2.mul(p2, f64x2.mul(s2, ivv)); p3 = f64x2.mul(p3, f64x2.mul(s3, ivv));
    q0 = f64x2.add(q0, f64x2.div(x, s0)); q1 = f64x2.add(q1, f64x2.div(x, s1));
    q2 = f64x2.add(q2, f64x2.div(x, s2)); q3 = f64x2.add(q3, f64x2.div(x, s3));
    if (++k == BLOCK) {
      l0 = f64x2.add(l0, log2lanes(p0)); l1 = f64x2.add(l1, log2lanes(p1));
      l2 = f64x2.add(l2, log2lanes(p2)); l3 = f64x2.add(l3, log2lanes(p3));
      p0 = one; p1 = one; p2 = one; p3 = one;
      k = 0;
    }
    s0 = f64x2.add(f64x2.add(w0, f64x2.mul(a0, x)), f64x2.mul(b0, s0));
    s1 = f64x2.add(f64x2.add(w1, f64x2.mul(a1, x)), f64x2.mul(b1, s1));
    s2 = f64x2.add(f64x2.add(w2, f64x2.mul(a2, x)), f64x2.mul(b2, s2));
    s3 = f64x2.add(f64x2.add(w3, f64x2.mul(a3, x)), f64x2.mul(b3, s3));
  }
  l0 = f64x2.add(l0, log2lanes(p0)); l1 = f64x2.add(l1, log2lanes(p1));
  l2 = f64x2.add(l2, log2lanes(p2)); l3 = f64x2.add(l3, log2lanes(p3));
  v128.store(out, l0); v128.store(out, l1, 16); v128.store(out, l2, 32); v128.store(out, l3, 48);
  v128.store(out, q0, 64); v128.store(out, q1, 80); v128.store(out, q2, 96); v128.store(out, q3, 112);
  v128.store(out, s0, 128); v128.store(out, s1, 144); v128.store(out, s2, 160); v128.store(out, s3, 176);
}
