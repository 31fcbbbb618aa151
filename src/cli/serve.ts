import { notImplemented } from "./not_implemented.ts";

export default notImplemented("serve", "Run a local Extended-protocol server replaying recorded data");
