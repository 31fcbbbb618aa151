import { notImplemented } from "./not_implemented.ts";

export default notImplemented("sweep", "Run a parallel parameter sweep of the backtest");
