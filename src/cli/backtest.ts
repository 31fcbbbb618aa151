import { notImplemented } from "./not_implemented.ts";

export default notImplemented("backtest", "Backtest Avellaneda-Stoikov quoting on recorded data");
