import { notImplemented } from "./not_implemented.ts";

export default notImplemented("simulate", "Monte-Carlo simulation of the Avellaneda-Stoikov (2008) setup");
