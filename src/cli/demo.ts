import { notImplemented } from "./not_implemented.ts";

export default notImplemented("demo", "Run the whole pipeline on an embedded sample, no network needed");
