import { notImplemented } from "./not_implemented.ts";

export default notImplemented("calculate_spread", "Calibrate sigma, kappa and A and compute AS quotes", "spread");
