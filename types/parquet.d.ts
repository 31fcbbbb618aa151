// Bun's `with { type: "file" }` imports give the embedded file's path (the demo's sample).
declare module "*.parquet" {
  const path: string;
  export default path;
}
