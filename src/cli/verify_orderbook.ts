import { notImplemented } from "./not_implemented.ts";

export default notImplemented("verify_orderbook", "Check recorded files (or a live stream) for integrity problems", "verify");
